/*
 * Made from deviations.yaml by deviations.ts: edit that file, then run
 *   npx tsx conformance/drivers/cyrus/deviations.ts
 * (test/cyrus-deviations.test.ts fails while this file differs from what
 * that writes).
 *
 * The deviations the driver declares in its start answer, each with its
 * reason: case IDs first, then requirement IDs, as the runner takes the
 * first entry that matches a case. Included once, by driver-core.c,
 * which both C drivers share.
 */

#define R_NO_TIMEOUT \
    "prot_fill() runs its event loop only when the stream has a read timeout or is non-blocking; this " \
    "case reads a blocking stream without a read timeout, which blocks in read() and never runs its " \
    "events, so their callbacks' writes, removals, additions and new marks never happen either " \
    "(WE-MODEL-2, WE-FIRE-3)"
#define R_TIMEOUT_INSTANT \
    "the wait loop ends as soon as select() times out at or after the timeout mark, before another " \
    "pass: events due at the timeout instant do not run (WE-TIMEOUT-3)"
#define R_TIMEOUT_RESET \
    "prot_fill() copies the timeout mark when the wait begins; prot_resettimeout() from a callback " \
    "moves the stream's mark but not the running wait's copy, so the wait still fails at the old mark " \
    "(WE-TIMEOUT-4)"
#define R_TIMEOUT_ON_READ \
    "the timeout mark restarts when prot_fill() reads input, not when the input arrives: input that " \
    "waited in the descriptor while nobody read restarts the timeout at the time it is read " \
    "(WE-TIMEOUT-2)"
#define R_NULL_KEEPS \
    "a callback's return value only decides whether the event counts for the next sleep; an event " \
    "returned as null but not removed stays on the list and runs again at every pass while it is due " \
    "(WE-CB-3)"
#define R_PASS_BEFORE_INPUT \
    "prot_fill() runs a pass before it asks select() whether input is waiting: a read that begins with " \
    "its buffer empty runs the due events even when input arrived while nobody read and is waiting in " \
    "the descriptor (WE-MODEL-3, WE-FIRE-6)"
#define R_PAST_MARK \
    "an event returned with a mark in the past makes prot_fill() give select() a negative timeout, " \
    "which fails with EINVAL: the read fails with \"Invalid argument\" (WE-FIRE-5)"
#define R_SPIN \
    "an event left due at the current second keeps prot_fill() from sleeping: it calls select() with a " \
    "zero timeout again and again within one second, running the event each time (the driver stops the " \
    "case after 1,000 such calls) (WE-FIRE-5)"
#define R_PASS_SEES_NEW_MARKS \
    "prot_fill()'s walk tests an event's mark when it reaches the event: an event that a callback " \
    "earlier in the same pass made due runs in that pass instead of the next (WE-FIRE-2, WE-CB-7)"
#define R_ADDED_SAME_PASS \
    "the pass follows the list's next pointers, so an event appended by a callback runs in that same " \
    "pass when the event that added it was not the last on the list (WE-CB-6)"
#define R_ADDED_BY_LAST \
    "an event appended by the last event of the list is not seen by the pass, and the sleep is " \
    "computed from the events the pass saw: the new event's mark is not counted, and the wait sleeps " \
    "past it (WE-CB-6, WE-FIRE-4)"
#define R_SLEEP_DURING_WALK \
    "prot_fill() computes how long to sleep while it walks the list, from each event's mark as it " \
    "passes it: a callback that moves an event already passed to a sooner mark is not seen, and the " \
    "stream sleeps to the old mark (WE-FIRE-4, WE-API-3)"
#define R_FLUSH_FIRST_ONLY \
    "prot_fill() flushes the paired writer once, before its event loop; what callbacks write during " \
    "the loop stays buffered until the next read begins (WE-FLUSH-1)"
#define R_FLUSH_BLOCKS \
    "prot_fill() flushes the paired writer only when no input is waiting, and its blocking write to a " \
    "peer that is not reading blocks the whole process: a buffered line is returned before the reply " \
    "has gone out, and while the write blocks no event runs and the read timeout is not checked " \
    "(WE-FLUSH-3)"
#define R_REMOVE_NEXT \
    "prot_fill() keeps a pointer to the next event while it calls a callback; a callback that removes " \
    "that very event frees it, and the pass then reads freed memory: undefined behaviour (the driver " \
    "refuses the case; CYRUS_DRIVER_VALGRIND=1 runs it under valgrind, which reports the invalid reads " \
    "while the freed event runs anyway) (WE-CB-5)"
#define R_RETURN_FREED \
    "a callback removes its own event and then returns it: prot_removewaitevent() has freed the event " \
    "and prot_fill() reads the returned pointer's mark, a use after free (the driver refuses the case " \
    "outside valgrind) (WE-API-4, WE-API-6)"
#define R_FGETS_PARTIAL \
    "prot_fgets() returns what it has read whenever prot_getc() returns EOF, at a would-block or a " \
    "failure as at the end of the input: a partial line comes back as a line, consumed, and the " \
    "would-block or the error only at the next read; a non-blocking skip of a line made of " \
    "prot_fgets() calls gets the part that came, calls it again for the rest, and so runs a second " \
    "pass at the same instant, calling the events still due twice (WE-READ-2, WE-READ-8, WE-NB-1, " \
    "WE-ERR-1)"
#define R_OUTSIDE_CHANGE \
    "prot_fill() and prot_select() compute how long to sleep before they call select(), and learn of " \
    "nothing the application does while they sleep: a mark moved sooner or an event added from outside " \
    "counts only when the sleep computed before ends, and a select wakes for the mark of an event " \
    "removed or moved later meanwhile and reports its stream (WE-API-3), and a mark set again on the " \
    "event a sleeping read waits for does not make the read decide its sleep again, a tick from then " \
    "(WE-API-8); the C layer allows changes only between reads and from callbacks"
#define R_STALE_HANDLE \
    "an event is removed a second time after a new event was added: the first removal freed it, " \
    "malloc() gives the new event the same memory, and the second removal, through the freed pointer, " \
    "finds the new event and frees it; the handle cannot tell the two apart (the driver refuses the " \
    "case outside valgrind, whose allocator does not reuse the memory at once) (WE-API-5)"
#define R_STALE_NOW \
    "prot_fill() reads the time once before each pass and measures the sleep after the pass from it: a " \
    "callback that takes time puts every later mark, and the read timeout, off by the time it took, " \
    "and a read timeout that passes meanwhile fails the read without the pass that would run the " \
    "events due by then (WE-FIRE-7)"
#define R_NB_INPUT_MEANWHILE \
    "a non-blocking prot_fill() asks select() for input after its pass: input (or the end) that " \
    "arrived while a callback of that pass took time is read at once, where the read returns " \
    "would-block and leaves it to the next read (WE-NB-1, WE-FIRE-7)"
#define R_TIMEOUT_INPUT_MEANWHILE \
    "prot_fill() asks select() for input after its pass and looks at its read timeout only when " \
    "select() found none: a read that began after its timeout had passed, and whose pass took time, " \
    "reads the input (or the end of input) that arrived meanwhile, where the read fails with the " \
    "timeout after its pass (WE-TIMEOUT-1, WE-FIRE-7)"
#define R_READ_BUFFER_ONLY \
    "prot_read() calls prot_fill() only when the stream's buffer is empty; otherwise it returns what " \
    "the buffer holds, up to n, and leaves in the descriptor the input that arrived since the buffer " \
    "was filled: a read of up to n bytes returns fewer bytes than have arrived (WE-READ-4)"
#define R_SELECT_ONE \
    "prot_select() reports at most one stream for a deadline: the first in the group with the earliest " \
    "deadline; other streams whose deadline has come or passed are not reported (WE-SELECT-2, " \
    "WE-SELECT-6)"
#define R_SELECT_NONBLOCKING \
    "prot_select() counts the deadlines of blocking streams only: the events of a non-blocking stream " \
    "never wake it, and it sleeps to its own timeout (WE-SELECT-2)"
#define R_SELECT_BUFFER_FIRST \
    "when a stream of the group has bytes in its buffer, prot_select() returns the streams that have, " \
    "at once, without calling select() or looking at deadlines: a stream whose input waits in the " \
    "descriptor, or whose deadline has passed, is not reported with them (WE-SELECT-1, WE-SELECT-6)"
#define R_SELECT_FAILED \
    "prot_select() does not look at a stream's error: a failed stream is reported only when its " \
    "descriptor is readable or its deadline is the one the select wakes for, so one whose read timeout " \
    "was restarted after it failed waits like a healthy stream (WE-SELECT-1)"
#define R_CLOSE \
    "the C layer closes a stream with prot_free(), which frees it and leaves its events allocated: " \
    "there is no closed stream left to list events of or to read, and using it is a use after free " \
    "(the driver refuses it; CYRUS_DRIVER_VALGRIND=1 runs it under valgrind) (WE-CLOSE-1, WE-CLOSE-2)"

struct deviation {
    const char *id;     /* a case ID or a requirement ID */
    const char *reason; /* one R_* macro, or several joined by "; " */
    /* 1: shows only where malloc() hands a freed block out again at once, which valgrind's allocator does not */
    int depends_on_allocator;
};

static const struct deviation DEVIATIONS[] = {
    /* R_NO_TIMEOUT */
    {"api-null-proc-refused", R_NO_TIMEOUT, 0},
    {"edge-null-proc-added-by-a-callback-refused", R_NO_TIMEOUT, 0},
    {"model-mark-is-absolute", R_NO_TIMEOUT, 0},
    {"model-events-run-only-while-waiting", R_NO_TIMEOUT, 0},
    {"model-events-belong-to-their-stream", R_NO_TIMEOUT, 0},
    {"read-line-in-pieces-runs-events", R_NO_TIMEOUT, 0},
    {"api-add-appends-and-does-not-run", R_NO_TIMEOUT, 0},
    {"api-mark-changed-between-reads", R_NO_TIMEOUT, 0},
    {"api-remove-between-reads-and-twice", R_NO_TIMEOUT, 0},
    {"cb-null-without-removing", R_NO_TIMEOUT, 0},
    {"cb-reschedule-every-ten", R_NO_TIMEOUT, 0},
    {"cb-remove-later-event-in-pass", R_NO_TIMEOUT, 0},
    {"cb-added-event-waits-for-next-pass", R_NO_TIMEOUT, 0},
    {"cb-postpone-another-event", R_NO_TIMEOUT, 0},
    {"cb-rock-passed-and-replaced", R_NO_TIMEOUT, 0},
    {"fire-due-exactly-at-mark", R_NO_TIMEOUT, 0},
    {"fire-list-order-not-mark-order", R_NO_TIMEOUT, 0},
    {"fire-sleeps-until-earliest-mark", R_NO_TIMEOUT, 0},
    {"fire-past-mark-once-per-tick", R_NO_TIMEOUT, 0},
    {"fire-input-at-the-very-mark", R_NO_TIMEOUT, 0},
    {"flush-before-sleeping", R_NO_TIMEOUT, 0},
    {"pattern-idle-reaper", R_NO_TIMEOUT, 0},
    {"pattern-keepalive", R_NO_TIMEOUT, 0},
    {"pattern-every-idle", R_NO_TIMEOUT, 0},
    {"pattern-push-poll", R_NO_TIMEOUT, 0},
    {"questions-reschedule-by-mark", R_NO_TIMEOUT, 0},
    {"cb-remove-self-mid-pass", R_NO_TIMEOUT, 0},
    {"cb-remove-self-then-return-event", R_NO_TIMEOUT, 0},
    {"cb-remove-earlier-event", R_NO_TIMEOUT, 0},
    {"cb-remove-later-due-events", R_NO_TIMEOUT, 0},
    {"cb-remove-later-not-due-event", R_NO_TIMEOUT, 0},
    {"cb-remove-every-other-event", R_NO_TIMEOUT, 0},
    {"cb-remove-twice-in-one-callback", R_NO_TIMEOUT, 0},
    {"cb-remove-already-removed-events", R_NO_TIMEOUT, 0},
    {"cb-remove-and-readd-later-event", R_NO_TIMEOUT, 0},
    {"cb-remove-and-readd-self", R_NO_TIMEOUT, 0},
    {"cb-add-event-already-due", R_NO_TIMEOUT, 0},
    {"cb-add-event-due-later-wakes-stream", R_NO_TIMEOUT, 0},
    {"cb-add-from-last-event", R_NO_TIMEOUT, 0},
    {"cb-add-from-first-event", R_NO_TIMEOUT, 0},
    {"cb-add-chain-one-tick-each", R_NO_TIMEOUT, 0},
    {"cb-add-then-remove-in-same-callback", R_NO_TIMEOUT, 0},
    {"cb-null-after-moving-mark", R_NO_TIMEOUT, 0},
    {"cb-null-after-reschedules", R_NO_TIMEOUT, 0},
    {"cb-return-event-unchanged", R_NO_TIMEOUT, 0},
    {"cb-postpone-due-event-one-tick", R_NO_TIMEOUT, 0},
    {"cb-advance-event-not-due-at-pass-start", R_NO_TIMEOUT, 0},
    {"cb-move-earlier-event-later", R_NO_TIMEOUT, 0},
    {"cb-move-earlier-event-into-past", R_NO_TIMEOUT, 0},
    {"cb-mark-decided-when-reached", R_NO_TIMEOUT, 0},
    {"cb-rock-unchanged-every-firing", R_NO_TIMEOUT, 0},
    {"cb-rock-null", R_NO_TIMEOUT, 0},
    {"cb-rock-numbers-and-falsy-values", R_NO_TIMEOUT, 0},
    {"cb-rock-replaced-each-firing", R_NO_TIMEOUT, 0},
    {"cb-rock-per-event", R_NO_TIMEOUT, 0},
    {"api-add-event-in-past-between-reads", R_NO_TIMEOUT, 0},
    {"api-set-mark-between-reads-both-ways", R_NO_TIMEOUT, 0},
    {"api-events-list-after-operations", R_NO_TIMEOUT, 0},
    {"api-remove-and-readd-after-null-return", R_NO_TIMEOUT, 0},
    {"order-many-due-in-list-order", R_NO_TIMEOUT, 0},
    {"order-equal-marks-keep-list-order", R_NO_TIMEOUT, 0},
    {"order-added-between-reads-goes-last", R_NO_TIMEOUT, 0},
    {"order-remove-and-readd-goes-last", R_NO_TIMEOUT, 0},
    {"order-readd-self-from-callback-goes-last", R_NO_TIMEOUT, 0},
    {"order-readd-other-in-pass-waits-and-goes-last", R_NO_TIMEOUT, 0},
    {"order-rescheduled-event-keeps-its-place", R_NO_TIMEOUT, 0},
    {"order-child-added-in-pass-runs-last", R_NO_TIMEOUT, 0},
    {"order-earlier-event-made-due-waits-a-tick", R_NO_TIMEOUT, 0},
    {"order-made-due-beside-two-due-events", R_NO_TIMEOUT, 0},
    {"fire-mark-at-read-start-and-one-tick-after", R_NO_TIMEOUT, 0},
    {"fire-added-relative-to-now-between-reads", R_NO_TIMEOUT, 0},
    {"fire-negative-marks-at-clock-start", R_NO_TIMEOUT, 0},
    {"fire-mark-after-end-never-fires", R_NO_TIMEOUT, 0},
    {"resched-steady-and-drifting-after-late-pass", R_NO_TIMEOUT, 0},
    {"resched-old-mark-catches-up-once-per-tick", R_NO_TIMEOUT, 0},
    {"resched-absolute-script-per-firing", R_NO_TIMEOUT, 0},
    {"resched-to-now-runs-next-tick", R_NO_TIMEOUT, 0},
    {"resched-returned-unchanged-runs-each-tick", R_NO_TIMEOUT, 0},
    {"resched-past-once-per-tick-beside-others", R_NO_TIMEOUT, 0},
    {"resched-alternating-future-and-past", R_NO_TIMEOUT, 0},
    {"resched-back-from-old-mark-into-the-past", R_NO_TIMEOUT, 0},
    {"resched-other-earlier-wakes-sooner", R_NO_TIMEOUT, 0},
    {"resched-other-later-not-run-at-old-mark", R_NO_TIMEOUT, 0},
    {"resched-postponed-then-restored-in-the-same-pass", R_NO_TIMEOUT, 0},
    {"resched-unchanged-byte-reads-get-input", R_NO_TIMEOUT, 0},
    {"sleep-wakes-in-mark-order-not-list-order", R_NO_TIMEOUT, 0},
    {"sleep-two-rhythms-interleave", R_NO_TIMEOUT, 0},
    {"sleep-streams-read-one-after-another", R_NO_TIMEOUT, 0},
    {"sleep-marks-moved-between-reads", R_NO_TIMEOUT, 0},
    {"sleep-fifty-events-scattered-marks", R_NO_TIMEOUT, 0},
    {"fire-buffered-input-runs-nothing", R_NO_TIMEOUT, 0},
    {"fire-partial-line-buffered-still-waits", R_NO_TIMEOUT, 0},
    {"fire-input-at-mark-several-events", R_NO_TIMEOUT, 0},
    {"fire-input-at-rescheduled-mark", R_NO_TIMEOUT, 0},
    {"fire-byte-input-one-tick-before-mark", R_NO_TIMEOUT, 0},
    {"fire-input-one-tick-after-mark-beats-refire", R_NO_TIMEOUT, 0},
    {"fire-once-per-tick-resumes-after-input", R_NO_TIMEOUT, 0},
    {"fire-line-in-pieces-at-marks", R_NO_TIMEOUT, 0},
    {"fire-short-read-after-events", R_NO_TIMEOUT, 0},
    {"fire-other-stream-due-events-wait-for-their-read", R_NO_TIMEOUT, 0},
    {"fire-alternate-reads-on-two-streams", R_NO_TIMEOUT, 0},
    {"fire-mark-set-from-other-stream-waits", R_NO_TIMEOUT, 0},
    {"nb-switch-modes-around-a-mark", R_NO_TIMEOUT, 0},
    {"read-crlf-split-across-arrivals", R_NO_TIMEOUT, 0},
    {"read-unterminated-last-line-waits-for-the-end", R_NO_TIMEOUT, 0},
    {"flush-after-each-pass-that-wrote", R_NO_TIMEOUT, 0},
    {"flush-reply-and-callback-output-in-order", R_NO_TIMEOUT, 0},
    {"select-timeout-mark-before-event-mark", R_NO_TIMEOUT, 0},
    {"select-without-timeout-ends-by-a-deadline", R_NO_TIMEOUT, 0},
    {"read-callback-once-before-the-pass", R_NO_TIMEOUT, 0},
    {"rcb-once-per-wait-before-the-first-pass", R_NO_TIMEOUT, 0},
    {"rcb-before-the-pass-and-the-flush", R_NO_TIMEOUT, 0},
    {"select-runs-no-callback", R_NO_TIMEOUT, 0},
    {"group-fired-event-rescheduled-by-its-read", R_NO_TIMEOUT, 0},
    {"meanwhile-mark-moved-sooner-while-a-read-sleeps", R_NO_TIMEOUT, 0},
    {"meanwhile-mark-moved-later-while-a-read-sleeps", R_NO_TIMEOUT, 0},
    {"meanwhile-event-added-while-a-read-sleeps", R_NO_TIMEOUT, 0},
    {"meanwhile-mark-moved-during-an-advance-runs-nothing", R_NO_TIMEOUT, 0},
    {"meanwhile-mark-moved-to-an-input-instant", R_NO_TIMEOUT, 0},
    {"meanwhile-mark-moved-to-the-past-wakes-the-read-a-tick-later", R_NO_TIMEOUT, 0},
    {"meanwhile-other-mark-moved-at-the-wake-instant-leaves-the-wake", R_NO_TIMEOUT, 0},
    {"meanwhile-earliest-mark-set-again-at-the-wake-instant", R_NO_TIMEOUT, 0},
    {"api-mark-set-to-now-while-a-read-sleeps", R_NO_TIMEOUT, 0},
    {"one-clock-earliest-wait-moved-past-input", R_NO_TIMEOUT, 0},
    {"one-clock-wait-removed-then-added-at-the-same-mark", R_NO_TIMEOUT, 0},
    {"one-clock-changes-at-one-time-set-in-several-orders", R_NO_TIMEOUT, 0},
    {"one-clock-advance-runs-each-change-at-its-time", R_NO_TIMEOUT, 0},
    {"input-fails-while-a-read-waits", R_NO_TIMEOUT, 0},
    {"echo-brought-by-the-flush-is-read-at-once", R_NO_TIMEOUT, 0},
    {"peek-waits-and-runs-events", R_NO_TIMEOUT, 0},
    {"rcb-cleared-does-not-run", R_NO_TIMEOUT, 0},
    /* R_TIMEOUT_INSTANT */
    {"timeout-reset-by-a-callback-at-the-timeout-instant", R_TIMEOUT_INSTANT "; " R_TIMEOUT_RESET, 0},
    /* R_TIMEOUT_ON_READ */
    {"timeout-input-between-reads-moves-the-mark", R_TIMEOUT_ON_READ, 0},
    {"group-input-between-selects-moves-the-timeout-mark", R_TIMEOUT_ON_READ, 0},
    /* R_NULL_KEEPS */
    {"wt-null-without-removing", R_NULL_KEEPS, 0},
    {"cb-null-without-removing-with-read-timeout", R_NULL_KEEPS, 0},
    {"cb-remove-already-removed-events-with-read-timeout", R_NULL_KEEPS, 0},
    {"cb-remove-and-readd-self-with-read-timeout", R_NULL_KEEPS, 0},
    {"cb-null-after-moving-mark-with-read-timeout", R_NULL_KEEPS, 0},
    {"cb-null-after-reschedules-with-read-timeout", R_NULL_KEEPS, 0},
    {"api-remove-and-readd-after-null-return-with-read-timeout", R_NULL_KEEPS, 0},
    {"order-readd-self-from-callback-goes-last-with-read-timeout", R_NULL_KEEPS, 0},
    /* R_PASS_BEFORE_INPUT */
    {"nb-one-pass-then-would-block", R_PASS_BEFORE_INPUT, 0},
    {"read-input-at-the-start-is-buffered", R_PASS_BEFORE_INPUT, 0},
    {"nb-end-of-input-is-not-would-block", R_PASS_BEFORE_INPUT "; " R_PAST_MARK, 0},
    {"model-events-run-only-while-waiting-with-read-timeout", R_PASS_BEFORE_INPUT, 0},
    {"fire-buffered-input-runs-nothing-with-read-timeout", R_PASS_BEFORE_INPUT, 0},
    {"nb-end-of-input-is-not-would-block-with-read-timeout", R_PASS_BEFORE_INPUT, 0},
    {"read-rest-after-end-then-eof-without-events-with-read-timeout", R_PASS_BEFORE_INPUT, 0},
    {"flush-reply-and-callback-output-in-order-with-read-timeout", R_PASS_BEFORE_INPUT, 0},
    /* R_PAST_MARK */
    {"wt-mark-in-the-past-once-per-tick", R_PAST_MARK, 0},
    {"wt-slow-callback-left-due-runs-again-at-once", R_PAST_MARK "; " R_STALE_NOW, 0},
    {"fire-past-mark-once-per-tick-with-read-timeout", R_PAST_MARK, 0},
    {"resched-old-mark-catches-up-once-per-tick-with-read-timeout", R_PAST_MARK, 0},
    {"resched-absolute-script-per-firing-with-read-timeout", R_PAST_MARK, 0},
    {"resched-past-once-per-tick-beside-others-with-read-timeout", R_PAST_MARK, 0},
    {"resched-alternating-future-and-past-with-read-timeout", R_PAST_MARK, 0},
    {"resched-back-from-old-mark-into-the-past-with-read-timeout", R_PAST_MARK, 0},
    {"sleep-fifty-events-scattered-marks-with-read-timeout", R_PAST_MARK, 0},
    {"fire-other-stream-due-events-wait-for-their-read-with-read-timeout", R_PAST_MARK, 0},
    /* R_SPIN */
    {"wt-mark-at-now-once-per-tick", R_SPIN, 0},
    {"cb-return-event-unchanged-with-read-timeout", R_SPIN, 0},
    {"resched-to-now-runs-next-tick-with-read-timeout", R_SPIN, 0},
    {"resched-returned-unchanged-runs-each-tick-with-read-timeout", R_SPIN, 0},
    {"resched-unchanged-byte-reads-get-input-with-read-timeout", R_SPIN, 0},
    {"fire-input-one-tick-after-mark-beats-refire-with-read-timeout", R_SPIN, 0},
    {"fire-once-per-tick-resumes-after-input-with-read-timeout", R_SPIN, 0},
    /* R_PASS_SEES_NEW_MARKS */
    {"wt-event-made-due-waits-for-the-next-pass", R_PASS_SEES_NEW_MARKS, 0},
    {"cb-advance-event-not-due-at-pass-start-with-read-timeout", R_PASS_SEES_NEW_MARKS, 0},
    {"order-made-due-beside-two-due-events-with-read-timeout", R_PASS_SEES_NEW_MARKS, 0},
    /* R_ADDED_SAME_PASS */
    {"wt-added-event-waits-for-the-next-pass", R_ADDED_SAME_PASS, 0},
    {"cb-added-event-waits-for-next-pass-with-read-timeout", R_ADDED_SAME_PASS, 0},
    {"cb-add-event-already-due-with-read-timeout", R_ADDED_SAME_PASS, 0},
    {"cb-add-from-first-event-with-read-timeout", R_ADDED_SAME_PASS, 0},
    {"order-child-added-in-pass-runs-last-with-read-timeout", R_ADDED_SAME_PASS, 0},
    /* R_ADDED_BY_LAST */
    {"wt-added-by-the-last-event", R_ADDED_BY_LAST, 0},
    {"cb-add-from-last-event-with-read-timeout", R_ADDED_BY_LAST, 0},
    {"cb-add-chain-one-tick-each-with-read-timeout", R_ADDED_BY_LAST, 0},
    {"cb-rock-per-event-with-read-timeout", R_ADDED_BY_LAST, 0},
    {"edge-null-proc-added-by-a-callback-refused-with-read-timeout", R_ADDED_BY_LAST, 0},
    /* R_SLEEP_DURING_WALK */
    {"wt-moving-an-earlier-event-sooner", R_SLEEP_DURING_WALK, 0},
    {"cb-move-earlier-event-later-with-read-timeout", R_SLEEP_DURING_WALK, 0},
    {"cb-move-earlier-event-into-past-with-read-timeout", R_SLEEP_DURING_WALK, 0},
    {"order-earlier-event-made-due-waits-a-tick-with-read-timeout", R_SLEEP_DURING_WALK, 0},
    /* R_FLUSH_FIRST_ONLY */
    {"wt-callback-output-flushed-before-sleeping", R_FLUSH_FIRST_ONLY, 0},
    {"rcb-before-the-pass-and-the-flush-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    {"flush-before-sleeping-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    {"pattern-keepalive-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    {"pattern-push-poll-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    {"flush-after-each-pass-that-wrote-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    {"meanwhile-mark-moved-later-while-a-read-sleeps-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    {"echo-brought-by-the-flush-is-read-at-once-with-read-timeout", R_FLUSH_FIRST_ONLY, 0},
    /* R_FLUSH_BLOCKS */
    {"slow-peer-buffered-line-waits-for-the-reply", R_FLUSH_BLOCKS, 0},
    {"slow-peer-events-run-while-the-read-holds", R_FLUSH_BLOCKS, 0},
    {"slow-peer-read-timeout-counts-while-the-read-holds", R_FLUSH_BLOCKS, 0},
    {"slow-peer-events-run-while-the-read-holds-with-read-timeout", R_FLUSH_BLOCKS, 0},
    /* R_REMOVE_NEXT */
    {"cb-remove-next-event-with-a-read-timeout", R_REMOVE_NEXT, 0},
    {"cb-remove-later-event-in-pass-with-read-timeout", R_REMOVE_NEXT, 0},
    {"cb-remove-later-due-events-with-read-timeout", R_REMOVE_NEXT, 0},
    {"cb-remove-later-not-due-event-with-read-timeout", R_REMOVE_NEXT, 0},
    {"cb-remove-every-other-event-with-read-timeout", R_REMOVE_NEXT, 0},
    {"cb-remove-twice-in-one-callback-with-read-timeout", R_REMOVE_NEXT, 0},
    {"cb-remove-and-readd-later-event-with-read-timeout", R_REMOVE_NEXT, 0},
    {"order-readd-other-in-pass-waits-and-goes-last-with-read-timeout", R_REMOVE_NEXT, 0},
    /* R_RETURN_FREED */
    {"cb-remove-self-then-return-event-with-read-timeout", R_RETURN_FREED, 0},
    /* R_FGETS_PARTIAL */
    {"err-timeout-drops-a-partial-line", R_FGETS_PARTIAL, 0},
    {"nb-getc-and-read-take-what-is-buffered", R_FGETS_PARTIAL, 0},
    {"timeout-fails-with-a-partial-line-buffered", R_FGETS_PARTIAL, 0},
    {"nb-partial-line-stays-buffered", R_FGETS_PARTIAL, 0},
    {"input-fails-after-an-unterminated-line", R_FGETS_PARTIAL, 0},
    {"err-line-cut-off-by-a-failure", R_FGETS_PARTIAL, 0},
    {"skip-line-nonblocking-partial-runs-one-pass", R_FGETS_PARTIAL, 0},
    {"nb-partial-line-stays-buffered-with-read-timeout", R_FGETS_PARTIAL, 0},
    {"input-fails-while-a-read-waits-with-read-timeout", R_FGETS_PARTIAL, 0},
    /* R_OUTSIDE_CHANGE */
    {"meanwhile-event-added-while-a-timed-read-sleeps", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-mark-moved-sooner-while-a-select-waits", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-event-removed-while-a-select-waits", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-earliest-mark-moved-past-another-while-a-select-waits", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-earliest-mark-moved-onto-an-older-events-mark-while-a-select-waits", R_OUTSIDE_CHANGE, 0},
    {"api-mark-set-to-now-while-a-read-sleeps-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-earliest-mark-set-again-at-the-wake-instant-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-mark-moved-sooner-while-a-read-sleeps-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-event-added-while-a-read-sleeps-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-mark-moved-sooner-while-a-select-waits-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-event-removed-while-a-select-waits-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-earliest-mark-moved-past-another-while-a-select-waits-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"meanwhile-earliest-mark-moved-onto-an-older-events-mark-while-a-select-waits-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    {"one-clock-changes-at-one-time-set-in-several-orders-with-read-timeout", R_OUTSIDE_CHANGE, 0},
    /* R_STALE_HANDLE */
    {"edge-stale-handle-after-a-new-event", R_STALE_HANDLE, 1},
    /* R_STALE_NOW */
    {"fire-slow-callback-puts-no-deadline-off", R_STALE_NOW, 0},
    {"wt-slow-callback-timeout-passed-meanwhile", R_STALE_NOW, 0},
    /* R_NB_INPUT_MEANWHILE */
    {"wt-slow-callback-non-blocking-input-meanwhile", R_NB_INPUT_MEANWHILE, 0},
    /* R_TIMEOUT_INPUT_MEANWHILE */
    {"wt-slow-callback-timeout-passed-input-meanwhile", R_TIMEOUT_INPUT_MEANWHILE, 0},
    {"wt-slow-callback-timeout-passed-end-meanwhile", R_TIMEOUT_INPUT_MEANWHILE, 0},
    /* R_READ_BUFFER_ONLY */
    {"read-short-read-takes-what-arrived-since", R_READ_BUFFER_ONLY, 0},
    /* R_SELECT_ONE */
    {"select-tie-event-mark-and-timeout-mark", R_SELECT_ONE, 0},
    {"select-tie-two-event-marks-in-given-order", R_SELECT_ONE, 0},
    {"select-ready-set-in-the-order-given", R_SELECT_ONE, 0},
    {"select-tie-event-mark-and-timeout-mark-with-read-timeout", R_SELECT_ONE, 0},
    {"select-tie-two-event-marks-in-given-order-with-read-timeout", R_SELECT_ONE, 0},
    {"select-ready-set-in-the-order-given-with-read-timeout", R_SELECT_ONE, 0},
    /* R_SELECT_NONBLOCKING */
    {"select-reports-the-stream-whose-deadline-comes", R_SELECT_NONBLOCKING, 0},
    {"select-reports-the-stream-whose-deadline-comes-with-read-timeout", R_SELECT_NONBLOCKING, 0},
    /* R_SELECT_BUFFER_FIRST */
    {"select-buffered-stream-does-not-hide-the-others", R_SELECT_BUFFER_FIRST, 0},
    {"select-buffered-stream-does-not-hide-the-others-with-read-timeout", R_SELECT_BUFFER_FIRST, 0},
    /* R_SELECT_FAILED */
    {"select-failed-stream-ready-after-its-timeout-restarts", R_SELECT_FAILED, 0},
    /* R_CLOSE */
    {"close-detaches-events", R_CLOSE, 0},
    {"select-reports-a-closed-stream", R_CLOSE, 0},
    {"close-then-add-event-keeps-none", R_CLOSE, 0},
    {"close-then-callback-adds-to-it", R_CLOSE, 0},
    {"select-closed-stream-in-the-order-given", R_CLOSE, 0},
    {"select-closed-after-its-end-reads-as-closed", R_CLOSE, 0},
    {"select-two-closed-streams-both-ready", R_CLOSE, 0},
    {"group-streams-closed-between-selects", R_CLOSE, 0},
    {"close-detaches-events-with-read-timeout", R_CLOSE, 0},
    {"close-then-add-event-keeps-none-with-read-timeout", R_CLOSE, 0},
    {"close-then-callback-adds-to-it-with-read-timeout", R_CLOSE, 0},
    /* requirement IDs */
    {"WE-TIMEOUT-3", R_TIMEOUT_INSTANT, 0},
    {"WE-TIMEOUT-4", R_TIMEOUT_RESET, 0},
    {NULL, NULL, 0},
};
