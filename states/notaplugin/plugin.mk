# notaplugin is for tests only: `make install` leaves it out.
PLUGIN_TEST_ONLY += notaplugin
