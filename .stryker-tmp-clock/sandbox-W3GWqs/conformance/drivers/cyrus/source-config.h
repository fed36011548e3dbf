/*
 * The config.h that a build of lib/prot.c from a cyrus-imapd source tree
 * gets (build-source.sh copies it into the build directory as config.h):
 * what configure would find on a glibc system, for the few lib/ files the
 * driver builds. Written for this project; TLS and zlib are left out, so
 * struct protstream has no fields for them (the driver takes every offset
 * from the compiler, so the layout may differ from Debian's).
 */
#ifndef PROT_EVENTS_SOURCE_CONFIG_H
#define PROT_EVENTS_SOURCE_CONFIG_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#define HAVE_STDINT_H 1
#define HAVE_UNISTD_H 1
#define HAVE_SYS_SELECT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRING_H 1
#define HAVE_FCNTL_H 1
#define HAVE_SYS_TIME_H 1
#define HAVE_PSELECT 1 /* signals_select() waits in pselect(), as in Debian's build */
#define STDC_HEADERS 1
#define EXPORTED __attribute__((__visibility__("default")))
#define HIDDEN __attribute__((__visibility__("hidden")))
#define SIZE_T_FMT "%zu"
#define TIME_T_FMT "%ld"
#define CYRUS_USER "cyrus"
#define PACKAGE_VERSION "prot-events source build"
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#endif
