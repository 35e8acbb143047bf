/* Reads an .ics back with libical; prints, per VEVENT, "UID START END" as UTC epoch seconds (dates:
 * midnight UTC of the date, with a D suffix). VTIMEZONEs in the file are used for TZIDs.
 * usage: libical_readback FILE
 *        libical_readback occurrences FROM TO FILE   (FROM, TO: YYYYMMDD; every occurrence starting in
 *        [FROM, TO), expanded by icalcomponent_foreach_recurrence; RECURRENCE-ID overrides replace the
 *        occurrence they name; with READBACK_TEXTS=1 in the environment, each line adds
 *        " | SUMMARY | LOCATION | DESCRIPTION" as the occurrence has them) */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct window { icalcomponent *cal; icalcomponent *master; time_t from, to; int is_date; };

static time_t as_utc(icalcomponent *cal, icalproperty *prop, struct icaltimetype t) {
    if (icaltime_is_date(t)) return icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
    icalparameter *tzid = icalproperty_get_first_parameter(prop, ICAL_TZID_PARAMETER);
    icaltimezone *zone = tzid ? icalcomponent_get_timezone(cal, icalparameter_get_tzid(tzid)) : NULL;
    if (!zone) zone = icaltimezone_get_utc_timezone();
    return icaltime_as_timet_with_zone(t, zone);
}

/* The override of `master` for the occurrence starting at `start`, if the file has one. (An external
 * iterator: the component's own one is in use by the caller.) */
static icalcomponent *override_of(icalcomponent *cal, icalcomponent *master, time_t start) {
    icalcompiter it = icalcomponent_begin_component(cal, ICAL_VEVENT_COMPONENT);
    for (icalcomponent *ev = icalcompiter_deref(&it); ev; ev = icalcompiter_next(&it)) {
        icalproperty *rid = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
        if (!rid || strcmp(icalcomponent_get_uid(ev), icalcomponent_get_uid(master)) != 0) continue;
        if (as_utc(cal, rid, icalproperty_get_recurrenceid(rid)) == start) return ev;
    }
    return NULL;
}

static void print_text(const char *text) {
    printf(" | ");
    for (const char *c = text ? text : ""; *c; c++) {
        if (*c == '\n') printf("\\n"); else putchar(*c);
    }
}

/* `texts`: the component the occurrence's SUMMARY, LOCATION and DESCRIPTION are read from. */
static void print_span(const char *uid, time_t s, time_t e, int is_date, icalcomponent *texts) {
    if (is_date) printf("%s %lldD %lldD", uid, (long long)s, (long long)e);
    else printf("%s %lld %lld", uid, (long long)s, (long long)e);
    const char *want = getenv("READBACK_TEXTS");
    if (want && strcmp(want, "1") == 0) {
        print_text(icalcomponent_get_summary(texts));
        print_text(icalcomponent_get_location(texts));
        print_text(icalcomponent_get_description(texts));
    }
    printf("\n");
}

static void each(icalcomponent *comp, struct icaltime_span *span, void *data) {
    (void)comp;
    struct window *w = data;
    time_t s = span->start, e = span->end;
    /* libical's spans end all-day occurrences at the last second of the day after; the length is the
     * master's own DTEND - DTSTART. */
    if (w->is_date) {
        icalproperty *ps = icalcomponent_get_first_property(w->master, ICAL_DTSTART_PROPERTY);
        icalproperty *pe = icalcomponent_get_first_property(w->master, ICAL_DTEND_PROPERTY);
        e = s + as_utc(w->cal, pe, icalproperty_get_dtend(pe)) - as_utc(w->cal, ps, icalproperty_get_dtstart(ps));
    }
    icalcomponent *o = override_of(w->cal, w->master, s);
    if (o) {
        icalproperty *ps = icalcomponent_get_first_property(o, ICAL_DTSTART_PROPERTY);
        icalproperty *pe = icalcomponent_get_first_property(o, ICAL_DTEND_PROPERTY);
        s = as_utc(w->cal, ps, icalproperty_get_dtstart(ps));
        e = as_utc(w->cal, pe, icalproperty_get_dtend(pe));
    }
    if (s >= w->from && s < w->to) print_span(icalcomponent_get_uid(w->master), s, e, w->is_date, o ? o : w->master);
}

static int occurrences(icalcomponent *cal, const char *from, const char *to) {
    struct window w = { cal, NULL, 0, 0, 0 };
    struct icaltimetype a = icaltime_from_string(from), b = icaltime_from_string(to);
    w.from = icaltime_as_timet_with_zone(a, icaltimezone_get_utc_timezone());
    w.to = icaltime_as_timet_with_zone(b, icaltimezone_get_utc_timezone());
    /* A day's margin each side, for zones far from UTC; `each` keeps exactly [from, to). */
    a = icaltime_from_timet_with_zone(w.from - 86400 * 2, 0, icaltimezone_get_utc_timezone());
    b = icaltime_from_timet_with_zone(w.to + 86400 * 60, 0, icaltimezone_get_utc_timezone());
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        if (icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) {
            /* An override whose series is not in the file stands alone. */
            int orphan = 1;
            icalcompiter it = icalcomponent_begin_component(cal, ICAL_VEVENT_COMPONENT);
            for (icalcomponent *m = icalcompiter_deref(&it); m; m = icalcompiter_next(&it))
                if (!icalcomponent_get_first_property(m, ICAL_RECURRENCEID_PROPERTY) &&
                    strcmp(icalcomponent_get_uid(m), icalcomponent_get_uid(ev)) == 0) orphan = 0;
            if (orphan) {
                icalproperty *ps = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
                icalproperty *pe = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
                time_t s = as_utc(cal, ps, icalproperty_get_dtstart(ps)), e = as_utc(cal, pe, icalproperty_get_dtend(pe));
                if (s >= w.from && s < w.to) print_span(icalcomponent_get_uid(ev), s, e, icaltime_is_date(icalproperty_get_dtstart(ps)), ev);
            }
            continue;
        }
        w.master = ev;
        w.is_date = icaltime_is_date(icalcomponent_get_dtstart(ev));
        icalcomponent_foreach_recurrence(ev, a, b, each, &w);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE\n", argv[0]); return 2; }
    int expand = argc == 5 && strcmp(argv[1], "occurrences") == 0;
    const char *path = argv[argc - 1];
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 2; }
    fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    char *buf = malloc(n + 1); if (fread(buf, 1, n, f) != (size_t)n) return 2; buf[n] = 0; fclose(f);
    icalcomponent *cal = icalparser_parse_string(buf);
    if (!cal) { fprintf(stderr, "PARSE ERROR\n"); return 1; }
    if (expand) { int rc = occurrences(cal, argv[2], argv[3]); icalcomponent_free(cal); free(buf); return rc; }
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
