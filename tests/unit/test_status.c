/* The status tables: names round-trip, and which send statuses count. */
#include <string.h>

#include "harness.h"
#include "status.h"

/* SPEC "The sending rules" 2-4, restated here on purpose: the test. */
static const struct {
    const char *name;
    bool cap, cooldown, company;
} send_cases[] = {
    { "sending", true, true, true },
    { "sent", true, true, true },
    { "deferred", false, false, true },
    { "bounced", true, true, true },
    { "failed", false, false, false },
    { "unknown", true, true, true },
};

static void test_send(void)
{
    size_t n = sizeof(send_cases) / sizeof(send_cases[0]);

    T_INT(SEND_STATUS_COUNT, (long)n);
    for (size_t i = 0; i < n; i++) {
        enum send_status s;
        unsigned c;

        t_current = send_cases[i].name;
        T_OK(send_status_parse(send_cases[i].name, &s));
        T_STR(send_status_name(s), send_cases[i].name);
        c = send_status_counts(s);
        T_INT((c & COUNTS_CAP) != 0, send_cases[i].cap);
        T_INT((c & COUNTS_COOLDOWN) != 0, send_cases[i].cooldown);
        T_INT((c & COUNTS_COMPANY) != 0, send_cases[i].company);
    }
}

static void test_names(void)
{
    static const char *const contacts[] = { "active", "bounced",
        "unsubscribed", "suppressed", "replied" };
    static const char *const mailboxes[] = { "cold-ready", "admin", "paused",
        "auth-failed", "blocked" };
    enum send_status s;
    enum contact_status c;
    enum mailbox_status m;

    for (size_t i = 0; i < 5; i++) {
        T_OK(contact_status_parse(contacts[i], &c));
        T_STR(contact_status_name(c), contacts[i]);
        T_OK(mailbox_status_parse(mailboxes[i], &m));
        T_STR(mailbox_status_name(m), mailboxes[i]);
        T_INT(mailbox_status_sends(m), strcmp(mailboxes[i], "cold-ready") == 0);
    }
    t_current = "unknown names, case, NULL";
    T_OK(!send_status_parse("Sent", &s));
    T_OK(!send_status_parse("", &s));
    T_OK(!send_status_parse(NULL, &s));
    T_OK(!contact_status_parse("gone", &c));
    T_OK(!mailbox_status_parse("cold_ready", &m));
    T_OK(send_status_name(SEND_STATUS_COUNT) == NULL);
    T_OK(contact_status_name((enum contact_status)-1) == NULL);
    T_INT(send_status_counts(SEND_STATUS_COUNT), 0);
}

int main(void)
{
    T_RUN(test_send);
    T_RUN(test_names);
    return t_done();
}
