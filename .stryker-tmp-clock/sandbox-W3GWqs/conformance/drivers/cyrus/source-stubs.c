/*
 * Link stubs for a build of lib/prot.c from source: symbols that the lib/
 * files the driver builds refer to but that no path of the wait-event code
 * reaches (the configuration store, SASL layers, retried writes of the
 * protocol log, unlinking temporary files). Each ends the process through
 * the host's fatal(), so a case that did reach one would say so instead of
 * running on. Written for this project; the signatures do not matter, as
 * none of these returns.
 */
extern void fatal(const char *msg, int code) __attribute__((noreturn));

#define STUB(name) \
    void name(void); \
    void name(void) { fatal("source build: " #name "() is a link stub and was reached", 70); }

STUB(config_getstring)
STUB(config_getint)
STUB(config_getswitch)
STUB(config_getduration)
STUB(config_toggle_debug)
STUB(libcyrus_config_getstring)
STUB(retry_write)
STUB(xunlink_fn)
STUB(sasl_decode)
STUB(sasl_encode)
STUB(sasl_errdetail)
STUB(sasl_errstring)
STUB(sasl_getprop)

/* Read by assert.c's failure path, which ends in fatal() whatever it says. */
int config_fatals_abort;
