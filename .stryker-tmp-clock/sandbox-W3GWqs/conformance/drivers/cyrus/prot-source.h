/*
 * The library's interface for a driver built against a cyrus-imapd source
 * tree (build-source.sh): the tree's own lib/prot.h, after the config.h of
 * source-config.h, and the offsets the driver uses taken from the compiler.
 * libcyrus.h is the counterpart for Debian's compiled library, which ships
 * no header.
 */
#ifndef PROT_EVENTS_PROT_SOURCE_H
#define PROT_EVENTS_PROT_SOURCE_H
#include "config.h"
#include <stddef.h>
#include "prot.h"

#define OFF_FD offsetof(struct protstream, fd)
#define OFF_DONTBLOCK offsetof(struct protstream, dontblock)
#define OFF_READ_TIMEOUT offsetof(struct protstream, read_timeout)
#define OFF_TIMEOUT_MARK offsetof(struct protstream, timeout_mark)
#define OFF_WAITEVENT offsetof(struct protstream, waitevent)
#endif
