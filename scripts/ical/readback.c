/* Reads an .ics back with libical; prints, per VEVENT, "UID START END" as UTC epoch seconds (dates:
 * midnight UTC of the date, with a D suffix). VTIMEZONEs in the file are used for TZIDs.
 * usage: libical_readback FILE */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>

static void print_time(icalcomponent *cal, icalproperty *prop, struct icaltimetype t) {
    if (icaltime_is_date(t)) {
        t.hour = t.minute = t.second = 0;
        printf(" %lldD", (long long)icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone()));
        return;
    }
    icalparameter *tzid = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    icaltimezone *zone = NULL;
    if (tzid) zone = icalcomponent_get_timezone(cal, icalparameter_get_tzid(tzid));
    if (!zone && icaltime_is_utc(t)) zone = icaltimezone_get_utc_timezone();
    if (!zone) { printf(" FLOATING"); return; }
    printf(" %lld", (long long)icaltime_as_timet_with_zone(t, zone));
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char *buf = malloc(n + 1); if (fread(buf, 1, n, f) != (size_t)n) return 2; buf[n] = 0; fclose(f);
    icalcomponent *cal = icalparser_parse_string(buf);
    if (!cal) { fprintf(stderr, "PARSE ERROR\n"); return 1; }
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        icalproperty *s = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
        icalproperty *e = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
        printf("%s", icalcomponent_get_uid(ev));
        print_time(cal, s, icalproperty_get_dtstart(s));
        print_time(cal, e, icalproperty_get_dtend(e));
        printf("\n");
    }
    icalcomponent_free(cal);
    free(buf);
    return 0;
}
