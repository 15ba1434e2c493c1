/*
 * notaplugin.c — a shared object without yogi_plugin_entry (tests).
 *
 * The engine must refuse it with Plugin.NotAPlugin.
 */
__attribute__((visibility("default"))) int notaplugin_answer(void);
int notaplugin_answer(void)
{
    return 42;
}
