/* validators.h - stage 3b: checksums and plausibility checks that a regex cannot do.
 * Chosen by name from the pattern YAML. Each takes the matched text (not normalized:
 * separators such as spaces and hyphens are skipped where the format allows them). */
#ifndef PITALLY_VALIDATORS_H
#define PITALLY_VALIDATORS_H

#include "pitally/patterns.h"

bool pt_valid_gb11643(const char *s, size_t n);  /* 18-digit resident ID: province, date, checksum; 15-digit legacy: province, date */
bool pt_valid_luhn(const char *s, size_t n);     /* 2-19 digits, spaces/hyphens skipped: bank cards */
bool pt_valid_gb32100(const char *s, size_t n);  /* unified social credit code */
bool pt_valid_iso3779(const char *s, size_t n);  /* VIN check digit (position 9) */
bool pt_valid_bank_card(const char *s, size_t n); /* card-scheme prefix and length, then Luhn */
bool pt_valid_date(const char *s, size_t n);      /* Y-M-D (any separators, 年月日) or YYYYMMDD, 1900..today */

/* The validator called name, or NULL when there is none. */
pt_validator_fn pt_validator_find(const char *name);
/* NULL-terminated list of known names, for `pitally patterns`. */
const char *const *pt_validator_names(void);
/* The verdict of validator name on s[0..n) with its reasons in why (for `pitally
 * explain`), e.g. "checksum ok, date 1949-12-31, province 11". Unknown name: false. */
bool pt_validator_explain(const char *name, const char *s, size_t n, char *why, size_t whylen);

#endif
