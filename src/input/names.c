/* names.c - the stable words for compressions and encodings used in reports and on the
 * command line (--encoding), see include/pitally/input.h. */
#include "pitally/input.h"

#include <strings.h>

const char *pt_compression_name(pt_compression c)
{
    switch (c) {
    case PT_COMP_NONE: return "none";
    case PT_COMP_GZIP: return "gzip";
    }
    return "unknown";
}

const char *pt_encoding_name(pt_encoding e)
{
    switch (e) {
    case PT_ENC_AUTO: return "auto";
    case PT_ENC_UTF8: return "utf-8";
    case PT_ENC_GB18030: return "gb18030";
    case PT_ENC_UTF16LE: return "utf-16le";
    case PT_ENC_UTF16BE: return "utf-16be";
    }
    return "unknown";
}

int pt_encoding_parse(const char *s, pt_encoding *out)
{
    static const struct {
        const char *name;
        pt_encoding enc;
    } names[] = {
        {"auto", PT_ENC_AUTO},        {"utf-8", PT_ENC_UTF8},       {"utf8", PT_ENC_UTF8},
        {"gb18030", PT_ENC_GB18030},  {"gbk", PT_ENC_GB18030},      {"gb2312", PT_ENC_GB18030},
        {"utf-16le", PT_ENC_UTF16LE}, {"utf-16be", PT_ENC_UTF16BE},
    };
    if (!s || !out) return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) { /* "UTF-8" on a command line is fine too */
            *out = names[i].enc;
            return 0;
        }
    }
    return -1;
}
