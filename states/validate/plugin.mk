# validate: the schema checks are the engine's (engine/timetable_schema.c),
# shared with the API's check of a reviewer's correction.
PLUGIN_ENGINE_SRC_validate = engine/timetable_schema.c
