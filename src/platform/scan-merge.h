/*
 * scan-merge.h: scan merge by correlation id (scan-merge.c): the handler
 * of POST /api/v1/scans, and the canonical form of the addresses it
 * compares.
 */
#ifndef OUTPOST_SCAN_MERGE_H
#define OUTPOST_SCAN_MERGE_H

#include <stddef.h>

#include "api.h"

api_handler	 scan_merge_submit;
int		 scan_merge_address_canonical(const char *, char *, size_t);

#endif /* OUTPOST_SCAN_MERGE_H */
