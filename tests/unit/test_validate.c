/*
 * test_validate.c — the ASL validator, data-driven: each case is one
 * definition (YAML flow style, which keeps a case on a line or two) and the
 * diagnostic codes it must produce, in position order; "" means valid.
 * "A|B" accepts either code where the split between asl.c's checks and the
 * validator's own may fall either way. Every diagnostic must carry a
 * position.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "jsonata.h"
#include "workflow.h"

struct vcase {
    const char *name;
    const char *yaml;
    const char *codes; /* comma-separated, in order of position */
};

/* Two states: A (the one under test, defined by the case) → B. */
#define WITH_B ", B: {Type: Succeed}"

static const struct vcase cases[] = {
    /* ---- valid definitions ---- */
    {"minimal", "{StartAt: A, States: {A: {Type: Pass, End: true}}}", ""},
    {"top fields", "{Comment: c, Version: '1.0', TimeoutSeconds: 60, QueryLanguage: JSONPath,"
     " StartAt: A, States: {A: {Type: Succeed}}}", ""},
    {"every state type",
     "{StartAt: P, States: {"
     " P: {Type: Pass, Comment: c, InputPath: $.in, OutputPath: null, ResultPath: $.r,"
     "     Parameters: {a.$: $.x, b: 1, c.$: \"States.Format('{}', $.x)\"}, Result: {x: 1}, Next: T},"
     " T: {Type: Task, Resource: 'plugin:echo', TimeoutSeconds: 10, HeartbeatSeconds: 5,"
     "     ResultSelector: {v.$: $.value}, ResultPath: $.t,"
     "     Retry: [{ErrorEquals: [Doc.Bad], IntervalSeconds: 1, MaxAttempts: 0, BackoffRate: 1.5,"
     "              MaxDelaySeconds: 10, JitterStrategy: FULL, Comment: c},"
     "             {ErrorEquals: [States.ALL]}],"
     "     Catch: [{ErrorEquals: [States.ALL], Next: F, ResultPath: $.err, Comment: c}], Next: C},"
     " C: {Type: Choice, Choices: [{Variable: $.x, NumericEquals: 1, Next: W}], Default: Par},"
     " W: {Type: Wait, SecondsPath: $.s, Next: Par},"
     " Par: {Type: Parallel, Branches: [{StartAt: B1, States: {B1: {Type: Pass, End: true}}},"
     "       {StartAt: B2, States: {B2: {Type: Wait, Seconds: 0, End: true}}}], Next: M},"
     " M: {Type: Map, ItemsPath: $.items, ItemSelector: {i.$: $$.Map.Item.Value}, MaxConcurrency: 2,"
     "     ItemProcessor: {ProcessorConfig: {Mode: INLINE}, StartAt: I,"
     "                     States: {I: {Type: Pass, End: true}}}, Next: S},"
     " S: {Type: Succeed}, F: {Type: Fail, Error: E, Cause: c}}}", ""},
    {"legacy iterator", "{StartAt: M, States: {M: {Type: Map, Parameters: {a.$: $.x},"
     " Iterator: {StartAt: I, States: {I: {Type: Pass, End: true}}}, End: true}}}", ""},
    {"wait timestamp", "{StartAt: A, States: {A: {Type: Wait, Timestamp: '2026-03-14T01:59:00Z', End: true}}}", ""},
    {"fail paths", "{StartAt: A, States: {A: {Type: Fail, ErrorPath: $.e,"
     " CausePath: \"States.Format('bad {}', $.x)\"}}}", ""},
    {"callback resource", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo.waitForTaskToken',"
     " HeartbeatSecondsPath: $.h, TimeoutSecondsPath: $.t, End: true}}}", ""},
    {"reached only by catch", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Catch: [{ErrorEquals: [X], Next: H}], End: true}, H: {Type: Succeed}}}", ""},

    /* ---- the machine ---- */
    {"root not an object", "[1, 2]", "InvalidType"},
    {"missing StartAt", "{States: {A: {Type: Succeed}}}", "MissingField"},
    {"missing States", "{StartAt: A}", "MissingField"},
    {"States not an object", "{StartAt: A, States: [1]}", "InvalidType"},
    {"empty States", "{StartAt: A, States: {}}", "InvalidValue"},
    {"StartAt unknown", "{StartAt: X, States: {A: {Type: Succeed}}}", "UnknownState"},
    {"unknown top field", "{StartAt: A, Stats: 1, States: {A: {Type: Succeed}}}", "UnknownField"},
    {"bad Version", "{Version: '2.0', StartAt: A, States: {A: {Type: Succeed}}}", "InvalidValue"},
    {"top TimeoutSeconds zero", "{TimeoutSeconds: 0, StartAt: A, States: {A: {Type: Succeed}}}", "InvalidValue"},
    {"top TimeoutSeconds text", "{TimeoutSeconds: '10', StartAt: A, States: {A: {Type: Succeed}}}", "InvalidType"},
    {"top JSONata", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Succeed}}}", ""},
    {"bad QueryLanguage", "{QueryLanguage: XPath, StartAt: A, States: {A: {Type: Succeed}}}", "InvalidValue"},

    /* ---- states ---- */
    {"missing Type", "{StartAt: A, States: {A: {End: true}}}", "MissingField"},
    {"unknown Type", "{StartAt: A, States: {A: {Type: Sleep, End: true}}}", "UnknownStateType"},
    {"state not an object", "{StartAt: A, States: {A: 3}}", "InvalidType"},
    {"state name too long", "{StartAt: A123456789012345678901234567890123456789012345678901234567890123456789012345678901,"
     " States: {A123456789012345678901234567890123456789012345678901234567890123456789012345678901: {Type: Succeed}}}",
     "InvalidStateName"},
    {"duplicate name across branches", "{StartAt: P, States: {P: {Type: Parallel, Branches: ["
     "{StartAt: X, States: {X: {Type: Succeed}}}, {StartAt: X, States: {X: {Type: Succeed}}}], End: true}}}",
     "DuplicateStateName"},
    {"unknown field", "{StartAt: A, States: {A: {Type: Pass, Nxet: B, End: true}" WITH_B "}}",
     "UnknownField,UnreachableState"},
    {"field of another type", "{StartAt: A, States: {A: {Type: Pass, Seconds: 3, End: true}}}", "UnknownField"},
    {"wrong case field", "{StartAt: A, States: {A: {Type: Pass, next: B, End: true}" WITH_B "}}",
     "UnknownField,UnreachableState"},
    {"Next and End", "{StartAt: A, States: {A: {Type: Pass, Next: B, End: true}" WITH_B "}}", "ConflictingFields"},
    {"neither Next nor End", "{StartAt: A, States: {A: {Type: Pass}}}", "MissingNext"},
    {"End false", "{StartAt: A, States: {A: {Type: Pass, End: false}}}", "InvalidValue"},
    {"Next unknown", "{StartAt: A, States: {A: {Type: Pass, Next: Z}}}", "UnknownState"},
    {"Next not a string", "{StartAt: A, States: {A: {Type: Pass, Next: 5}}}", "InvalidType"},
    {"Next into a branch", "{StartAt: P, States: {P: {Type: Parallel, Next: X, Branches: ["
     "{StartAt: X, States: {X: {Type: Succeed}}}]}}}", "UnknownState"},
    {"Next out of a branch", "{StartAt: P, States: {P: {Type: Parallel, End: true, Branches: ["
     "{StartAt: X, States: {X: {Type: Pass, Next: P}}}]}}}", "UnknownState"},
    {"unreachable", "{StartAt: A, States: {A: {Type: Succeed}, B: {Type: Succeed}}}", "UnreachableState"},
    {"no end state", "{StartAt: A, States: {A: {Type: Pass, Next: B}, B: {Type: Pass, Next: A}}}",
     "MissingEndState"},
    {"no end state in a branch", "{StartAt: P, States: {P: {Type: Parallel, End: true, Branches: ["
     "{StartAt: X, States: {X: {Type: Wait, Seconds: 1, Next: X}}}]}}}", "MissingEndState"},
    {"unreachable cycle", "{StartAt: A, States: {A: {Type: Succeed}, B: {Type: Pass, Next: C},"
     " C: {Type: Pass, Next: B}}}", "UnreachableState,UnreachableState"},
    {"Succeed with Next", "{StartAt: A, States: {A: {Type: Succeed, Next: A}}}", "UnknownField"},
    {"Fail with End", "{StartAt: A, States: {A: {Type: Fail, End: true}}}", "UnknownField"},
    {"Fail with InputPath", "{StartAt: A, States: {A: {Type: Fail, InputPath: $.x}}}", "UnknownField"},
    {"Choice with End", "{StartAt: A, States: {A: {Type: Choice, End: true,"
     " Choices: [{Variable: $.x, NumericEquals: 1, Next: B}]}" WITH_B "}}", "UnknownField"},

    /* ---- Task ---- */
    {"Task without Resource", "{StartAt: A, States: {A: {Type: Task, End: true}}}", "MissingField"},
    {"unknown resource", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:nope', End: true}}}", "UnknownResource"},
    {"aws resource unmapped", "{StartAt: A, States: {A: {Type: Task, Resource: 'arn:aws:states:::lambda:invoke', End: true}}}",
     "UnknownResource"},
    {"mapped resource", "{StartAt: A, States: {A: {Type: Task, Resource: 'arn:mapped', End: true}}}", ""},
    {"TimeoutSeconds zero", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', TimeoutSeconds: 0, End: true}}}",
     "InvalidValue"},
    {"TimeoutSeconds real", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', TimeoutSeconds: 1.5, End: true}}}",
     "InvalidType"},
    {"Timeout and its path", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', TimeoutSeconds: 5,"
     " TimeoutSecondsPath: $.t, End: true}}}", "ConflictingFields"},
    {"Heartbeat and its path", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', HeartbeatSeconds: 5,"
     " HeartbeatSecondsPath: $.t, End: true}}}", "ConflictingFields"},
    {"heartbeat not below timeout", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " TimeoutSeconds: 5, HeartbeatSeconds: 5, End: true}}}", "HeartbeatNotBelowTimeout"},
    {"heartbeat path not reference", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " HeartbeatSecondsPath: '$..h', End: true}}}", "InvalidReferencePath"},
    {"Credentials", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', Credentials: {}, End: true}}}",
     "Unsupported"},

    /* ---- Retry and Catch ---- */
    {"Retry not a list", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', Retry: {}, End: true}}}",
     "InvalidType"},
    {"retrier without ErrorEquals", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{MaxAttempts: 1}], End: true}}}", "MissingField"},
    {"empty ErrorEquals", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: []}], End: true}}}", "EmptyErrorEquals"},
    {"States.ALL not alone", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: [States.ALL, X]}], End: true}}}", "StatesAllNotAlone"},
    {"States.ALL retrier not last", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: [States.ALL]}, {ErrorEquals: [X]}], End: true}}}", "StatesAllNotLast"},
    {"States.ALL catcher not last", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Catch: [{ErrorEquals: [States.ALL], Next: B}, {ErrorEquals: [X], Next: B}], End: true}" WITH_B "}}",
     "StatesAllNotLast"},
    {"retrier ranges", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: [X], IntervalSeconds: 0, MaxAttempts: -1, BackoffRate: 0.5,"
     " MaxDelaySeconds: 0, JitterStrategy: SOME}], End: true}}}",
     "InvalidValue,InvalidValue,InvalidValue,InvalidValue,InvalidValue"},
    {"retrier types", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: [X], IntervalSeconds: '1', MaxAttempts: 2.0, BackoffRate: '2'}], End: true}}}",
     "InvalidType,InvalidType,InvalidType"},
    {"retrier unknown field", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: [X], Backoff: 2}], End: true}}}", "UnknownField"},
    {"error name not a string", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Retry: [{ErrorEquals: [1]}], End: true}}}", "InvalidType"},
    {"catcher without Next", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Catch: [{ErrorEquals: [X]}], End: true}}}", "MissingNext"},
    {"catcher Next unknown", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Catch: [{ErrorEquals: [X], Next: Z}], End: true}}}", "UnknownState"},
    {"catcher ResultPath", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Catch: [{ErrorEquals: [X], Next: B, ResultPath: '$.a[*]'}], End: true}" WITH_B "}}", "InvalidReferencePath"},
    {"Retry on a Pass", "{StartAt: A, States: {A: {Type: Pass, Retry: [], End: true}}}", "UnknownField"},

    /* ---- Wait ---- */
    {"Wait without duration", "{StartAt: A, States: {A: {Type: Wait, End: true}}}", "MissingField"},
    {"Wait with two durations", "{StartAt: A, States: {A: {Type: Wait, Seconds: 1, SecondsPath: $.s, End: true}}}",
     "ConflictingFields"},
    {"Wait negative", "{StartAt: A, States: {A: {Type: Wait, Seconds: -1, End: true}}}", "InvalidValue"},
    {"Wait bad timestamp", "{StartAt: A, States: {A: {Type: Wait, Timestamp: yesterday, End: true}}}", "InvalidTimestamp"},
    {"Wait path not reference", "{StartAt: A, States: {A: {Type: Wait, TimestampPath: '$.a[*]', End: true}}}",
     "InvalidReferencePath"},

    /* ---- Choice ---- */
    {"Choice without Choices", "{StartAt: A, States: {A: {Type: Choice, Default: B}" WITH_B "}}", "MissingField"},
    {"Choice empty", "{StartAt: A, States: {A: {Type: Choice, Choices: [], Default: B}" WITH_B "}}", "InvalidValue"},
    {"rule without Next", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: $.x, NumericEquals: 1}],"
     " Default: B}" WITH_B "}}", "MissingNext"},
    {"rule Next unknown", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: $.x, NumericEquals: 1,"
     " Next: Z}], Default: B}" WITH_B "}}", "UnknownState"},
    {"Default unknown", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: $.x, NumericEquals: 1,"
     " Next: B}], Default: Z}" WITH_B "}}", "UnknownState"},
    {"rule without operator", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: $.x, Next: B}]}" WITH_B "}}",
     "InvalidChoiceRule"},
    {"rule operand of wrong type", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: $.x,"
     " NumericEquals: one, Next: B}]}" WITH_B "}}", "InvalidChoiceRule"},
    {"rule Variable not reference", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: '$..x',"
     " NumericEquals: 1, Next: B}]}" WITH_B "}}", "InvalidChoiceRule|InvalidReferencePath"},
    {"nested rules", "{StartAt: A, States: {A: {Type: Choice, Choices: [{And: [{Variable: $.x, NumericEquals: 1},"
     " {Not: {Variable: $.y, IsPresent: true}}], Next: B}]}" WITH_B "}}", ""},
    {"JSONata Condition", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Condition: '{% true %}', Next: B}]}"
     WITH_B "}}", "JSONataOnlyField"},

    /* ---- Fail ---- */
    {"Error and ErrorPath", "{StartAt: A, States: {A: {Type: Fail, Error: E, ErrorPath: $.e}}}", "ConflictingFields"},
    {"Cause and CausePath", "{StartAt: A, States: {A: {Type: Fail, Cause: C, CausePath: $.c}}}", "ConflictingFields"},
    {"ErrorPath not a path", "{StartAt: A, States: {A: {Type: Fail, ErrorPath: oops}}}", "InvalidPath"},
    {"Error not a string", "{StartAt: A, States: {A: {Type: Fail, Error: 5}}}", "InvalidType"},

    /* ---- Parallel ---- */
    {"Parallel without Branches", "{StartAt: A, States: {A: {Type: Parallel, End: true}}}", "MissingField"},
    {"Parallel empty Branches", "{StartAt: A, States: {A: {Type: Parallel, Branches: [], End: true}}}", "InvalidValue"},
    {"branch not an object", "{StartAt: A, States: {A: {Type: Parallel, Branches: [1], End: true}}}", "InvalidType"},
    {"branch without StartAt", "{StartAt: A, States: {A: {Type: Parallel, End: true, Branches: ["
     "{States: {X: {Type: Succeed}}}]}}}", "MissingField"},
    {"branch unknown field", "{StartAt: A, States: {A: {Type: Parallel, End: true, Branches: ["
     "{StartAt: X, Version: '1.0', States: {X: {Type: Succeed}}}]}}}", "UnknownField"},
    {"branch problems", "{StartAt: A, States: {A: {Type: Parallel, End: true, Branches: ["
     "{StartAt: X, States: {X: {Type: Succeed}, Y: {Type: Pass}}}]}}}", "MissingNext,UnreachableState"},

    /* ---- Map ---- */
    {"Map without processor", "{StartAt: A, States: {A: {Type: Map, End: true}}}", "MissingField"},
    {"Map with both processors", "{StartAt: A, States: {A: {Type: Map, End: true,"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}},"
     " Iterator: {StartAt: J, States: {J: {Type: Succeed}}}}}}", "ConflictingFields"},
    {"distributed map", "{StartAt: A, States: {A: {Type: Map, End: true, ItemProcessor: {"
     "ProcessorConfig: {Mode: DISTRIBUTED, ExecutionType: STANDARD}, StartAt: I, States: {I: {Type: Succeed}}}}}}",
     "Unsupported"},
    {"processor mode", "{StartAt: A, States: {A: {Type: Map, End: true, ItemProcessor: {"
     "ProcessorConfig: {Mode: FAST}, StartAt: I, States: {I: {Type: Succeed}}}}}}", "InvalidValue"},
    {"ItemReader and ResultWriter", "{StartAt: A, States: {A: {Type: Map, End: true, ItemReader: {}, ResultWriter: {},"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "Unsupported,Unsupported"},
    {"ItemSelector and Parameters", "{StartAt: A, States: {A: {Type: Map, End: true, ItemSelector: {}, Parameters: {},"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "ConflictingFields"},
    {"MaxConcurrency", "{StartAt: A, States: {A: {Type: Map, End: true, MaxConcurrency: -1,"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "InvalidValue"},
    {"MaxConcurrency and its path", "{StartAt: A, States: {A: {Type: Map, End: true, MaxConcurrency: 1,"
     " MaxConcurrencyPath: $.m, ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "ConflictingFields"},
    {"tolerated failures", "{StartAt: A, States: {A: {Type: Map, End: true, ToleratedFailurePercentage: 150,"
     " ToleratedFailureCount: x, ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}",
     "InvalidValue,InvalidType"},
    {"tolerated failures paths", "{StartAt: A, States: {A: {Type: Map, End: true, ToleratedFailureCount: 1,"
     " ToleratedFailureCountPath: $.c, ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}",
     "ConflictingFields"},
    {"Label", "{StartAt: A, States: {A: {Type: Map, End: true, Label: items,"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", ""},
    {"bad Label", "{StartAt: A, States: {A: {Type: Map, End: true, Label: 'two words',"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "InvalidLabel"},
    {"duplicate Label", "{StartAt: A, States: {A: {Type: Map, Next: B, Label: L,"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}},"
     " B: {Type: Map, End: true, Label: L, ItemProcessor: {StartAt: J, States: {J: {Type: Succeed}}}}}}",
     "DuplicateLabel"},
    {"ItemsPath not reference", "{StartAt: A, States: {A: {Type: Map, End: true, ItemsPath: '$.a[*]',"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "InvalidReferencePath"},
    {"processor problems", "{StartAt: A, States: {A: {Type: Map, End: true,"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Pass, Next: A}}}}}}", "UnknownState"},

    /* ---- paths and templates ---- */
    {"InputPath not a path", "{StartAt: A, States: {A: {Type: Pass, InputPath: x, End: true}}}", "InvalidPath"},
    {"OutputPath number", "{StartAt: A, States: {A: {Type: Pass, OutputPath: 1, End: true}}}", "InvalidType"},
    {"ResultPath not reference", "{StartAt: A, States: {A: {Type: Pass, ResultPath: '$.a[*]', End: true}}}",
     "InvalidReferencePath"},
    {"ResultPath null", "{StartAt: A, States: {A: {Type: Pass, ResultPath: null, End: true}}}", ""},
    {"Parameters bad path", "{StartAt: A, States: {A: {Type: Pass, Parameters: {x: {y.$: nope}}, End: true}}}",
     "InvalidTemplate"},
    {"ResultSelector bad path", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " ResultSelector: {y.$: 3}, End: true}}}", "InvalidTemplate"},

    /* ---- JSONata and variables ---- */
    /* ---- variables (JSONPath mode) ---- */
    {"Assign", "{StartAt: A, States: {A: {Type: Pass, Assign: {x: 1, y.$: $.a, z.$: $$.Execution.Id,"
     " w.$: \"States.Format('{}', $.a)\"}, Next: B}, B: {Type: Pass, Parameters: {v.$: $x,"
     " f.$: \"States.Format('{} {}', $y, $w.k[0])\"}, InputPath: $z, OutputPath: $x, End: true}}}", ""},
    {"Assign bad names", "{StartAt: A, States: {A: {Type: Pass,"
     " Assign: {1x: 1, states: 2, a-b: 3}, End: true}}}",
     "InvalidVariableName,InvalidVariableName,InvalidVariableName"},
    {"Assign bad path", "{StartAt: A, States: {A: {Type: Pass, Assign: {x.$: nope}, End: true}}}",
     "InvalidTemplate"},
    {"Assign on Succeed", "{StartAt: A, States: {A: {Type: Succeed, Assign: {x: 1}}}}", "UnknownField"},
    {"unknown variable", "{StartAt: A, States: {A: {Type: Pass, Assign: {x: 1}, Next: B},"
     " B: {Type: Pass, Parameters: {v.$: $y}, End: true}}}", "UnknownVariable"},
    {"unknown variable in choice", "{StartAt: A, States: {A: {Type: Choice, Choices: [{Variable: $v,"
     " StringEqualsPath: $w, Assign: {v: 1}, Next: B}], Default: B}" WITH_B "}}", "UnknownVariable"},
    {"variable as ResultPath", "{StartAt: A, States: {A: {Type: Pass, Assign: {x: 1},"
     " ResultPath: $x, End: true}}}", "InvalidReferencePath"},
    {"inner scope reads outer", "{StartAt: A, States: {A: {Type: Pass, Assign: {items: [1]}, Next: M},"
     " M: {Type: Map, ItemsPath: $items, ItemProcessor: {StartAt: I, States: {I: {Type: Pass,"
     " Assign: {in.$: $items}, End: true}}}, End: true}}}", ""},
    {"outer cannot read inner", "{StartAt: P, States: {P: {Type: Parallel, Branches: [{StartAt: I,"
     " States: {I: {Type: Pass, Assign: {in: 1}, End: true}}}], Next: B},"
     " B: {Type: Pass, OutputPath: $in, End: true}}}", "UnknownVariable"},
    {"sibling branch cannot read", "{StartAt: P, States: {P: {Type: Parallel, Branches: ["
     "{StartAt: I, States: {I: {Type: Pass, Assign: {in: 1}, End: true}}},"
     "{StartAt: J, States: {J: {Type: Pass, InputPath: $in, End: true}}}], End: true}}}",
     "UnknownVariable"},
    {"catcher Assign", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Catch: [{ErrorEquals: [States.ALL], Assign: {e.$: $.Error}, Next: B}], End: true},"
     " B: {Type: Pass, InputPath: $e, End: true}}}", ""},
    /* ---- JSONata mode ---- */
    {"Arguments and Output in JSONPath", "{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo',"
     " Arguments: {}, Output: {}, End: true}}}", "JSONataOnlyField,JSONataOnlyField"},
    {"Items in JSONPath", "{StartAt: A, States: {A: {Type: Map, Items: [1], End: true,"
     " ItemProcessor: {StartAt: I, States: {I: {Type: Succeed}}}}}}", "JSONataOnlyField"},
    {"state JSONata", "{StartAt: A, States: {A: {Type: Pass, QueryLanguage: JSONata,"
     " Output: '{% $states.input.a %}', Assign: {x: '{% 1 + 1 %}', y: [1, '{% $x %}']}, End: true}}}", ""},
    {"every JSONata field", "{QueryLanguage: JSONata, StartAt: T, States: {"
     " T: {Type: Task, Resource: 'plugin:echo', Arguments: {a: '{% $states.input %}'},"
     "     TimeoutSeconds: '{% 10 %}', HeartbeatSeconds: 5, Output: '{% $states.result %}',"
     "     Catch: [{ErrorEquals: [States.ALL], Output: '{% $states.errorOutput %}',"
     "              Assign: {e: '{% $states.errorOutput.Error %}'}, Next: F}], Next: C},"
     " C: {Type: Choice, Choices: [{Condition: '{% $states.input.n > 1 %}', Output: {n: 1},"
     "     Assign: {big: true}, Next: W}], Default: P, Output: '{% $states.input %}'},"
     " W: {Type: Wait, Seconds: '{% 1 %}', Next: P},"
     " P: {Type: Parallel, Arguments: '{% $states.input %}', Branches: [{StartAt: B,"
     "     States: {B: {Type: Pass, End: true}}}], Next: M},"
     " M: {Type: Map, Items: '{% [1, 2] %}', ItemSelector: {v: '{% $states.context.Map.Item.Value %}'},"
     "     MaxConcurrency: '{% 2 %}', ToleratedFailurePercentage: '{% 10 %}',"
     "     ItemProcessor: {StartAt: I, States: {I: {Type: Pass, End: true}}}, Next: S},"
     " S: {Type: Succeed, Output: 1},"
     " F: {Type: Fail, Error: '{% $e %}', Cause: literal}}}", ""},
    {"JSONPath fields in JSONata", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Pass,"
     " InputPath: $.a, Parameters: {b.$: $.b}, ResultPath: $.c, End: true}}}",
     "JSONPathOnlyField,JSONPathOnlyField,JSONPathOnlyField"},
    {"JSONPath rule in JSONata", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Choice,"
     " Choices: [{Variable: $.x, IsPresent: true, Next: B}], Default: B}" WITH_B "}}",
     "MissingField,JSONPathOnlyField,JSONPathOnlyField"},
    {"catcher ResultPath in JSONata", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Task,"
     " Resource: 'plugin:echo', Catch: [{ErrorEquals: [States.ALL], ResultPath: $.e, Next: B}],"
     " End: true}" WITH_B "}}", "JSONPathOnlyField"},
    {"JSONPath state in JSONata workflow", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Pass,"
     " QueryLanguage: JSONPath, End: true}}}", "InvalidQueryLanguage"},
    {"JSONata Assign with .$", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Pass,"
     " Assign: {x.$: $.a}, End: true}}}", "InvalidVariableName"},
    {"JSONata syntax error", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Pass,"
     " Output: {a: '{% $states.input + %}'}, End: true}}}", "InvalidJSONata"},
    {"JSONata non-template numbers", "{QueryLanguage: JSONata, StartAt: A, States: {A: {Type: Wait,"
     " Seconds: -1, End: true}}}", "InvalidValue|InvalidType"},

    /* ---- everything at once: every problem is reported ---- */
    {"many problems", "{StartAt: A, Bogus: 1, States: {A: {Type: Pass, Next: Z},"
     " B: {Type: Wait}, C: {Type: Task, End: true}, D: {Type: Nope}}}",
     "UnknownField,UnknownState,MissingNext,MissingField,UnreachableState,MissingField,UnreachableState,"
     "UnreachableState,UnknownStateType"},
    {NULL, NULL, NULL},
};

static bool known_resource(const char *resource, void *ud)
{
    (void)ud;
    return strcmp(resource, "plugin:echo") == 0 ||
           strcmp(resource, "plugin:echo.waitForTaskToken") == 0 ||
           strcmp(resource, "arn:mapped") == 0;
}

/* True when `code` is one of the '|'-separated alternatives in want[0..len). */
static bool code_matches(const char *want, size_t len, const char *code)
{
    const char *end = want + len;
    while (want < end) {
        const char *bar = memchr(want, '|', (size_t)(end - want));
        size_t n = bar ? (size_t)(bar - want) : (size_t)(end - want);
        if (strlen(code) == n && memcmp(want, code, n) == 0) return true;
        want += n + 1;
    }
    return false;
}

static bool codes_match(const workflow_diags *diags, const char *codes)
{
    const char *p = codes;
    size_t i = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (i >= diags->count || !code_matches(p, len, diags->items[i].code)) return false;
        i++;
        p += len + (comma ? 1 : 0);
    }
    return i == diags->count;
}

static void run_case(const struct vcase *c)
{
    workflow_diags diags = {0};
    if (!c || !c->name) return;
    workflow_doc *doc = workflow_parse(c->name, c->yaml, strlen(c->yaml), &diags);
    if (!doc) {
        test_fail_(__FILE__, __LINE__, "%s: does not parse", c->name);
        workflow_diags_print(&diags, c->name, stdout);
        workflow_diags_clear(&diags);
        return;
    }
    bool ok = workflow_validate(doc, known_resource, NULL, &diags);
    if (ok != (c->codes[0] == '\0'))
        test_fail_(__FILE__, __LINE__, "%s: validate returned %d", c->name, ok);
    if (!codes_match(&diags, c->codes)) {
        test_fail_(__FILE__, __LINE__, "%s: expected codes [%s], got:", c->name, c->codes);
        workflow_diags_print(&diags, c->name, stdout);
    }
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].line <= 0 || diags.items[i].column <= 0)
            test_fail_(__FILE__, __LINE__, "%s: %s has no position", c->name, diags.items[i].code);
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

static const struct vcase *case_at(size_t i)
{
    return i < sizeof cases / sizeof cases[0] ? &cases[i] : NULL;
}

/* One test per case, named after it: a trampoline per table index. Token
 * pasting builds the names case_10, case_11...; case_N runs cases[N - 10]. */
#define CASE_FN(n) \
    static void case_##n(void) { run_case(case_at(n - 10)); }
#define CASE_FN10(d)                                                                  \
    CASE_FN(d##0) CASE_FN(d##1) CASE_FN(d##2) CASE_FN(d##3) CASE_FN(d##4) CASE_FN(d##5) \
        CASE_FN(d##6) CASE_FN(d##7) CASE_FN(d##8) CASE_FN(d##9)
#define CASE_PTR10(d)                                                                 \
    case_##d##0, case_##d##1, case_##d##2, case_##d##3, case_##d##4, case_##d##5,     \
        case_##d##6, case_##d##7, case_##d##8, case_##d##9
CASE_FN10(1) CASE_FN10(2) CASE_FN10(3) CASE_FN10(4) CASE_FN10(5) CASE_FN10(6)
CASE_FN10(7) CASE_FN10(8) CASE_FN10(9) CASE_FN10(10) CASE_FN10(11) CASE_FN10(12)
CASE_FN10(13) CASE_FN10(14) CASE_FN10(15) CASE_FN10(16) CASE_FN10(17)
/* case_fns[i] runs cases[i]. */
static void (*const case_fns[])(void) = {
    CASE_PTR10(1),  CASE_PTR10(2),  CASE_PTR10(3),  CASE_PTR10(4),  CASE_PTR10(5),
    CASE_PTR10(6),  CASE_PTR10(7),  CASE_PTR10(8),  CASE_PTR10(9),  CASE_PTR10(10),
    CASE_PTR10(11), CASE_PTR10(12), CASE_PTR10(13), CASE_PTR10(14), CASE_PTR10(15),
    CASE_PTR10(16), CASE_PTR10(17),
};

/* Positions point at the offending token in block YAML. */
static void test_positions(void)
{
    const char *yaml = "StartAt: Fetch\n"
                       "States:\n"
                       "  Fetch:\n"
                       "    Type: Task\n"
                       "    Resource: plugin:nope\n"
                       "    Next: Nowhere\n"
                       "    Colour: blue\n";
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("p.yaml", yaml, strlen(yaml), &diags);
    CHECK(doc != NULL);
    CHECK(!workflow_validate(doc, known_resource, NULL, &diags));
    CHECK_INT(diags.count, 3);
    if (diags.count == 3) {
        CHECK_STR(diags.items[0].code, "UnknownResource");
        CHECK_INT(diags.items[0].line, 5);
        CHECK_INT(diags.items[0].column, 15);
        CHECK_STR(diags.items[1].code, "UnknownState");
        CHECK_INT(diags.items[1].line, 6);
        CHECK_INT(diags.items[1].column, 11);
        CHECK_STR(diags.items[2].code, "UnknownField"); /* at the key */
        CHECK_INT(diags.items[2].line, 7);
        CHECK_INT(diags.items[2].column, 5);
        CHECK(strstr(diags.items[2].message, "Colour") != NULL);
    }
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

/* A JSONata syntax error is shown at the character the parser stopped at:
 * the value's column, its opening quote, the "{%" and the offset in the
 * expression, counting a source escape (\") as the one character it is. */
static void test_jsonata_error_position(void)
{
    static const char decoded[] = " 'a\"b' & $x( "; /* what the parser sees */
    const char *yaml = "QueryLanguage: JSONata\nStartAt: A\nStates:\n  A:\n    Type: Pass\n"
                       "    Output: \"{% 'a\\\"b' & $x( %}\"\n    End: true\n";
    jsonata_error jerr;
    memset(&jerr, 0, sizeof jerr);
    jsonata_expr *compiled = jsonata_compile(decoded, strlen(decoded), &jerr);
    CHECK(compiled == NULL);
    jsonata_free(compiled);
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("j.yaml", yaml, strlen(yaml), &diags);
    CHECK(doc != NULL);
    CHECK(!workflow_validate(doc, known_resource, NULL, &diags));
    CHECK_INT(diags.count, 1);
    if (diags.count == 1) {
        CHECK_STR(diags.items[0].code, "InvalidJSONata");
        CHECK_INT(diags.items[0].line, 6);
        /* "    Output: " is 12 columns, the quote 13, "{%" 14 and 15; the
         * escaped quote takes two columns for one character. */
        int extra = jerr.position > 3 ? 1 : 0;
        CHECK_INT(diags.items[0].column, 16 + (int)jerr.position + extra);
        CHECK(strstr(diags.items[0].message, jerr.code) != NULL);
    }
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

/* The message of the only diagnostic `yaml` gets, in `out`. */
static void only_message(const char *yaml, char *out, size_t len)
{
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("h", yaml, strlen(yaml), &diags);
    CHECK(doc && !workflow_validate(doc, known_resource, NULL, &diags));
    CHECK_INT(diags.count, 1);
    snprintf(out, len, "%s", diags.count ? diags.items[0].message : "");
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

#define CHECK_HINT(yaml, hint)                                                     \
    do {                                                                           \
        char msg_[512];                                                            \
        only_message(yaml, msg_, sizeof msg_);                                     \
        if (!strstr(msg_, hint)) test_fail_(__FILE__, __LINE__, "no '%s' in: %s", hint, msg_); \
    } while (0)

/* Misspelt names get a "did you mean" hint; unrelated words do not. */
static void test_hints(void)
{
    CHECK_HINT("{StartAt: A, States: {A: {Type: Pass, End: true, comment: x}}}",
               "(did you mean 'Comment'?)");
    CHECK_HINT("{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', End: true,"
               " TimeoutSecond: 3}}}",
               "(did you mean 'TimeoutSeconds'?)");
    CHECK_HINT("{StartAt: A, States: {A: {Type: Tsak, End: true}}}", "(did you mean 'Task'?)");
    CHECK_HINT("{StartAt: Done, States: {Done: {Type: Pass, Next: Dnoe}}}",
               "(did you mean 'Done'?)");
    CHECK_HINT("{StartAt: A, States: {A: {Type: Task, Resource: 'plugin:echo', End: true,"
               " Retry: [{ErrorEquals: [X], MaxAtempts: 1}]}}}",
               "(did you mean 'MaxAttempts'?)");
    char msg[512];
    only_message("{StartAt: A, States: {A: {Type: Pass, End: true, Colour: blue}}}", msg,
                 sizeof msg);
    CHECK(strstr(msg, "did you mean") == NULL);
}

/* A NULL resource callback accepts every resource. */
static void test_null_known(void)
{
    const char *yaml = "{StartAt: A, States: {A: {Type: Task, Resource: 'anything:at:all', End: true}}}";
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("n", yaml, strlen(yaml), &diags);
    CHECK(doc && workflow_validate(doc, NULL, NULL, &diags));
    CHECK_INT(diags.count, 0);
    workflow_free(doc);
    workflow_diags_clear(&diags);
}

/* A definition with thousands of problems stops at WORKFLOW_MAX_DIAGS. */
static void test_many_problems(void)
{
    size_t cap = 2000 * 40 + 64, len = 0;
    char *yaml = malloc(cap);
    len += (size_t)snprintf(yaml + len, cap - len, "{StartAt: S0, States: {");
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(yaml + len, cap - len, "%sS%d: {Type: Pass}", i ? ", " : "", i);
    len += (size_t)snprintf(yaml + len, cap - len, "}}");
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("m", yaml, len, &diags);
    CHECK(doc && !workflow_validate(doc, NULL, NULL, &diags));
    CHECK_INT(diags.count, WORKFLOW_MAX_DIAGS + 1);
    if (diags.count == WORKFLOW_MAX_DIAGS + 1)
        CHECK_STR(diags.items[WORKFLOW_MAX_DIAGS].code, "TooManyProblems");
    workflow_free(doc);
    workflow_diags_clear(&diags);
    free(yaml);
}

/* A long chain of states: reachability must not recurse per state. */
static void test_long_chain(void)
{
    enum { STATES = 60000 };
    size_t cap = (size_t)STATES * 40 + 64, len = 0;
    char *yaml = malloc(cap);
    len += (size_t)snprintf(yaml + len, cap - len, "StartAt: S0\nStates:\n");
    for (int i = 0; i < STATES; i++)
        len += (size_t)snprintf(yaml + len, cap - len, "  S%d: {Type: Pass, Next: S%d}\n", i, i + 1);
    len += (size_t)snprintf(yaml + len, cap - len, "  S%d: {Type: Succeed}\n", STATES);
    workflow_diags diags = {0};
    workflow_doc *doc = workflow_parse("chain", yaml, len, &diags);
    CHECK(doc && workflow_validate(doc, NULL, NULL, &diags));
    CHECK_INT(diags.count, 0);
    workflow_free(doc);
    workflow_diags_clear(&diags);
    free(yaml);
}

int main(int argc, char **argv)
{
    static const test_case fixed[] = {
        TEST(test_positions), TEST(test_hints), TEST(test_null_known), TEST(test_many_problems),
        TEST(test_long_chain), TEST(test_jsonata_error_position),
    };
    enum { NFIXED = sizeof fixed / sizeof fixed[0], NFNS = sizeof case_fns / sizeof case_fns[0] };
    static test_case tests[NFIXED + NFNS + 1];
    size_t n = 0;
    for (size_t i = 0; i < NFIXED; i++) tests[n++] = fixed[i];
    for (size_t i = 0; cases[i].name; i++) {
        if (i >= NFNS) {
            printf("not ok - more cases than trampolines: add CASE_FN10 lines\n");
            return 1;
        }
        tests[n++] = (test_case){cases[i].name, case_fns[i]};
    }
    tests[n] = (test_case){0};
    return test_main(argc, argv, tests);
}
