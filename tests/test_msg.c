/* test_msg.c - message ports: message_strobe into message_debug, `mqgraph send`
 * into print, print_pdu and store, a cmd message changing a parameter as `set`
 * does (checked item by item), a slow consumer's queue dropping and counting what
 * it drops, the events block, and the validator's rules for message ports. */
#define _GNU_SOURCE
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlutil.h"
#include "mq.h"
#include "runutil.h"
#include "suite.h"

/* Lines in a text file (0 if it does not exist yet). */
static int lines(const char *path)
{
    char *text = read_file(path, NULL);
    int n = 0;
    for (char *p = text; p && *p; p++)
        n += *p == '\n';
    free(text);
    return n;
}

static void wait_lines(const char *path, int n)
{
    for (int i = 0; i < 2000 && lines(path) < n; i++)
        nap_ms(5);
    ck_assert_msg(lines(path) >= n, "%s has %d lines, not %d", path, lines(path), n);
}

/* `mqgraph ARGS` must exit with `rc` and print `err` on stderr (exactly). */
static void cli_says(const char *const *args, int rc, const char *err)
{
    int got = cli(args);
    char *e = cli_err();
    ck_assert_msg(got == rc, "exit %d: %s", got, e);
    ck_assert_str_eq(e, err);
    free(e);
}

START_TEST(test_strobe_messages_reach_message_debug)
{
    own_ctldir();
    pid_t pid = start_graph("str",
                            "blocks:\n"
                            "  strobe: {type: message_strobe, params: {msg: '{\"k\": 1, \"s\": "
                            "\"x\"}', period_ms: 20}}\n"
                            "  dbg: {type: message_debug, params: {path: dbg.txt}}\n"
                            "connections:\n  - [strobe.strobe, dbg.print]\n",
                            2);
    wait_lines("dbg.txt", 5);
    stop_graph("str" SFX, pid);
    char *text = read_file("dbg.txt", NULL), *line = text;
    int n = 0;
    for (char *nl; (nl = strchr(line, '\n')); line = nl + 1, n++) {
        *nl = 0;
        ck_assert_str_eq(line, "{\"k\":1,\"s\":\"x\"}");
    }
    free(text);
    /* Every message the strobe made arrived: the summary counts both ends. */
    char *out = read_file("run.out", NULL), want[128];
    snprintf(want, sizeof want, "%-34s %10d ", "strobe.strobe -> dbg.print", n);
    ck_assert_msg(n >= 5 && strstr(out, want), "%d lines; %s", n, out);
    free(out);
}
END_TEST

START_TEST(test_send_reaches_print_pdu_and_store)
{
    own_ctldir();
    pid_t pid = start_graph("snd",
                            "blocks:\n  dbg: {type: message_debug, params: {path: dbg.txt}}\n", 1);
    const char *hello[] = {"send", "snd" SFX, "dbg.print", "\"hello\"", NULL};
    ck_assert_int_eq(cli(hello), 0);
    const char *word[] = {"send", "snd" SFX, "dbg.print", "plain words", NULL};
    ck_assert_int_eq(cli(word), 0);
    const char *pdu[] = {"send", "snd" SFX, "dbg.print_pdu",
                         "{\"$pair\": [{\"len\": 3}, {\"$u8\": [1, 2, 255]}]}", NULL};
    ck_assert_int_eq(cli(pdu), 0);
    const char *notpdu[] = {"send", "snd" SFX, "dbg.print_pdu", "7", NULL};
    ck_assert_int_eq(cli(notpdu), 0);
    const char *store[] = {"send", "snd" SFX, "dbg.store", "{\"$c32\": [1.5, -2]}", NULL};
    ck_assert_int_eq(cli(store), 0);
    const char *json[] = {"send", "snd" SFX, "dbg.print", "[1, 2.5, null, true]", "--json",
                          NULL};
    json_t *r = cli_json(json);
    /* 08, a u32 count, INT32 (5), DOUBLE (9), NULL (1), TRUE (1): as GNU Radio's
     * pmt.serialize_str writes it */
    ck_assert_int_eq(field(r, "bytes"), 21);
    json_decref(r);
    const char *noport[] = {"send", "snd" SFX, "dbg.nope", "1", NULL};
    cli_says(noport, 1, "mqgraph send: block 'dbg' (message_debug) has no message input 'nope' "
                        "(its message inputs: print, store, print_pdu)\n");
    const char *bad[] = {"send", "snd" SFX, "dbg.print", "{\"$c32\": [1]}", NULL};
    cli_says(bad, 1, "mqgraph send: the message: line 1, column 10: $c32 wants an even count of "
                     "numbers: re, im, re, im...\n");
    const char *neg[] = {"send", "snd" SFX, "dbg.print", "-5", NULL}; /* a value, no option */
    ck_assert_int_eq(cli(neg), 0);
    const char *dashes[] = {"send", "snd" SFX, "dbg.print", "--", "-2.5", NULL};
    ck_assert_int_eq(cli(dashes), 0);
    const char *big[] = {"send", "snd" SFX, "dbg.print", "18446744073709551615", NULL};
    ck_assert_int_eq(cli(big), 0); /* above INT64_MAX, which JSON parsers stop at */
    const char *typo[] = {"send", "snd" SFX, "dbg.print", "{\"a\": ", NULL};
    cli_says(typo, 1, "mqgraph send: the message: line 1, column 6: unexpected token near end "
                      "of file\n"); /* looks like JSON, so it must be JSON */
    wait_lines("dbg.txt", 8);
    stop_graph("snd" SFX, pid);
    /* Each input keeps its order; between inputs there is none (as in GNU Radio).
     * What was stored comes at the end. */
    char *text = read_file("dbg.txt", NULL);
    ck_assert_int_eq(lines("dbg.txt"), 9);
    /* (a line of another input may come between two of print's) */
    const char *m5 = strstr(text, "\n-5\n"), *m25 = strstr(text, "\n-2.5\n"),
               *u64 = strstr(text, "\n{\"$uint64\":18446744073709551615}\n");
    ck_assert_msg(m5 && m25 && u64 && m5 < m25 && m25 < u64, "%s", text);
    ck_assert_msg(strstr(text, "\"hello\"\n\"plain words\"\n") &&
                      strstr(text, "\"plain words\"\n") < strstr(text, "[1,2.5,null,true]\n"),
                  "%s", text);
    char *pdu_line = strstr(text, "pdu: meta {\"len\":3} len 3 data {\"$u8\":[1,2,255]}\n");
    ck_assert_msg(pdu_line && strstr(pdu_line, "not a PDU: 7\n"), "%s", text);
    char *stored = strstr(text, "stored 0: {\"$c32\":[1.5,-2.0]}\n");
    ck_assert_msg(stored && stored[strlen("stored 0: {\"$c32\":[1.5,-2.0]}\n")] == 0, "%s", text);
    free(text);
}
END_TEST

/* The graph of test_live's set test, with a strobe sending amp a cmd message. */
START_TEST(test_a_cmd_message_changes_a_parameter_as_set_does)
{
    own_ctldir();
    pid_t pid = start_graph("cmd",
                            "blocks:\n"
                            "  src: {type: sig_source, params: {waveform: constant, amplitude: 1,"
                            " items_per_buffer: 1000}}\n"
                            "  head: {type: head, params: {items: 200000}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  amp: {type: multiply_const, params: {k: 2}}\n"
                            "  out: {type: file_sink, params: {path: out.f32}}\n"
                            "  strobe: {type: message_strobe, params: {msg: '{\"k\": 0.5}',"
                            " period_ms: 500}}\n"
                            "connections:\n"
                            "  - [src.out, head.in]\n  - [head.out, thr.in]\n"
                            "  - [thr.out, amp.in]\n  - [amp.out, out.in]\n"
                            "  - [strobe.strobe, amp.cmd]\n",
                            0);
    ck_assert_int_eq(finish(pid), 0);
    size_t len;
    float *x = (float *)read_file("out.f32", &len);
    ck_assert_uint_eq(len, 200000 * sizeof *x);
    long long at = 0;
    while (at < 200000 && x[at] == 2.0f)
        at++;
    ck_assert_int_eq(at % 1000, 0); /* a buffer boundary */
    ck_assert_int_gt(at, 0);
    ck_assert_int_lt(at, 200000);
    for (long long i = at; i < 200000; i++)
        ck_assert_msg(x[i] == 0.5f, "item %lld: %g (changed at %lld)", i, x[i], at);
    free(x);
}
END_TEST

START_TEST(test_cmd_events_name_the_item_and_refusals)
{
    own_ctldir();
    pid_t pid = start_graph("cev",
                            "blocks:\n"
                            "  src: {type: null_source, params: {items_per_buffer: 100}}\n"
                            "  thr: {type: throttle, params: {rate: 100000}}\n"
                            "  amp: {type: multiply_const, params: {k: 2}}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [src.out, thr.in]\n  - [thr.out, amp.in]\n"
                            "  - [amp.out, out.in]\n",
                            4);
    const char *ok[] = {"send", "cev" SFX, "amp.cmd", "{\"k\": 0.125}", NULL};
    ck_assert_int_eq(cli(ok), 0);
    /* a complex value, as Python writes it for a complex parameter */
    const char *cx[] = {"send", "cev" SFX, "amp.cmd", "{\"k\": {\"$complex\": [0.5, -0.0]}}",
                        NULL};
    ck_assert_int_eq(cli(cx), 0);
    const char *pair[] = {"send", "cev" SFX, "amp.cmd", "{\"$pair\": [\"k\", 3]}", NULL};
    ck_assert_int_eq(cli(pair), 0);
    const char *bad[] = {"send", "cev" SFX, "amp.cmd", "{\"k\": \"loud\"}", NULL};
    ck_assert_int_eq(cli(bad), 0); /* delivered: the refusal is an event */
    const char *odd[] = {"send", "cev" SFX, "amp.cmd", "[1, 2]", NULL};
    ck_assert_int_eq(cli(odd), 0);
    /* starting, 4 started, running, then the five answers in order */
    const char *ev[] = {"events", "cev" SFX, "--all", "--json", "--count", "11", NULL};
    ck_assert_int_eq(cli(ev), 0);
    /* A refusal is an event when the supervisor takes the request; a change when
     * the block applies it, later: each kind keeps its own order. */
    char *out = read_file("cli.out", NULL), *line = out;
    const char *values[3] = {"0.125", "0.5-0j", "3"};
    const char *errors[2] = {"block 'amp': parameter 'k': 'loud' is not a complex number (as "
                             "0.5, 0.5+0.5j, -2j)",
                             "a cmd message is a dict {\"param\": value, ...} or a pair"};
    int params = 0, refused = 0;
    for (int i = 0; i < 11; i++) {
        char *nl = strchr(line, '\n');
        ck_assert_ptr_nonnull(nl);
        *nl = 0;
        json_t *e = json_loads(line, 0, NULL);
        const char *kind = sfield(e, "event");
        if (!strcmp(kind, "param") || !strcmp(kind, "param_refused")) {
            ck_assert_str_eq(sfield(e, "block"), "amp");
            ck_assert_str_eq(sfield(e, "source"), "cmd");
            if (!strcmp(kind, "param"))
                ck_assert_str_eq(sfield(e, "value"), values[params++]);
            else
                ck_assert_str_eq(sfield(e, "error"), errors[refused++]);
        }
        json_decref(e);
        line = nl + 1;
    }
    ck_assert_int_eq(params, 3);
    ck_assert_int_eq(refused, 2);
    free(out);
    const char *get[] = {"get", "cev" SFX, "amp.k", NULL};
    ck_assert_int_eq(cli(get), 0);
    out = read_file("cli.out", NULL);
    ck_assert_str_eq(out, "3\n");
    free(out);
    stop_graph("cev" SFX, pid);
}
END_TEST

/* A strobe every millisecond into a consumer that takes one per 50 ms, through a
 * queue of 4 that drops its oldest: drops are counted in status and the summary,
 * and reported as events; nothing is lost uncounted. */
START_TEST(test_a_full_message_queue_drops_and_counts)
{
    own_ctldir();
    setenv("MQ_BLOCK_PATH", TEST_BLOCKS, 1);
    pid_t pid = start_graph("drop",
                            "blocks:\n"
                            "  strobe: {type: message_strobe, params: {msg: 1, period_ms: 1}}\n"
                            "  slow: {type: slowmsg, params: {ms: 50}}\n"
                            "connections:\n"
                            "  - {from: strobe.strobe, to: slow.in, depth: 4, policy: drop_oldest}\n",
                            2);
    json_t *st = NULL;
    for (int i = 0; i < 400; i++) {
        json_decref(st);
        st = status_of("drop" SFX);
        if (field(find(json_object_get(st, "connections"), "to", "slow.in"), "drops") > 20)
            break;
        nap_ms(10);
    }
    json_t *c = find(json_object_get(st, "connections"), "to", "slow.in");
    ck_assert_int_gt(field(c, "drops"), 20);
    ck_assert_str_eq(sfield(c, "policy"), "drop_oldest");
    json_decref(st);
    /* The supervisor's tick reports the drops as events. */
    const char *ev[] = {"events", "drop" SFX, "--all", "--json", "--count", "6", NULL};
    ck_assert_int_eq(cli(ev), 0);
    char *out = read_file("cli.out", NULL);
    ck_assert_msg(strstr(out, "\"event\":\"dropped\",") &&
                      strstr(out, "\"from\":\"strobe.strobe\",\"to\":\"slow.in\""),
                  "%s", out);
    free(out);
    stop_graph("drop" SFX, pid);
    unsetenv("MQ_BLOCK_PATH");
    /* Conservation: what the strobe sent was taken by slow or dropped. */
    out = read_file("run.out", NULL);
    long long sent = -1, taken = -1, bufs = -1, drops = -1;
    char *s = strstr(out, "\nstrobe "), *t = strstr(out, "\nslow "), *q = strstr(out, "strobe.strobe -> slow.in");
    ck_assert_msg(s && t && q, "%s", out);
    sscanf(s, "\nstrobe message_strobe %*d %*d %lld", &sent);
    sscanf(t, "\nslow slowmsg %*d %lld", &taken);
    sscanf(q, "strobe.strobe -> slow.in %lld %*d %lld", &bufs, &drops);
    ck_assert_int_eq(bufs, sent);
    ck_assert_int_eq(taken + drops, sent);
    free(out);
}
END_TEST

START_TEST(test_the_events_block_turns_a_kill_into_a_message)
{
    own_ctldir();
    pid_t pid = start_graph("evb",
                            "blocks:\n"
                            "  ev: {type: events}\n"
                            "  log: {type: message_debug, params: {path: events.txt}}\n"
                            "  src: {type: null_source, params: {items_per_buffer: 100}}\n"
                            "  thr: {type: throttle, params: {rate: 2000}, restart: on-failure}\n"
                            "  out: {type: null_sink}\n"
                            "connections:\n  - [ev.out, log.print]\n  - [src.out, thr.in]\n"
                            "  - [thr.out, out.in]\n",
                            5);
    /* The events block saw its own start, so it is taking events. */
    for (int i = 0; i < 1000; i++) {
        char *t = read_file("events.txt", NULL);
        int seen = t && strstr(t, "\"state\":\"running\"");
        free(t);
        if (seen)
            break;
        nap_ms(5);
    }
    json_t *st = status_of("evb" SFX);
    long long victim = field(find(json_object_get(st, "blocks"), "name", "thr"), "pid");
    json_decref(st);
    kill((pid_t)victim, SIGKILL);
    char want[128];
    snprintf(want, sizeof want, "\"event\":\"died\",");
    char *text = NULL;
    for (int i = 0; i < 1000; i++) {
        free(text);
        text = read_file("events.txt", NULL);
        if (text && strstr(text, "\"event\":\"restarted\""))
            break;
        nap_ms(5);
    }
    ck_assert_msg(text && strstr(text, want) && strstr(text, "\"block\":\"thr\"") &&
                      strstr(text, "\"signal\":9") && strstr(text, "\"event\":\"restarted\""),
                  "%s", text);
    int lost = !strstr(text, "\"lost_buffers\":0"); /* it died holding a buffer */
    ck_assert(strstr(text, "\"lost_buffers\":0,") || strstr(text, "\"lost_buffers\":1,"));
    free(text);
    stop_graph_rc("evb" SFX, pid, lost ? 3 : 0);
}
END_TEST

START_TEST(test_message_ports_in_the_graph_file)
{
    enter_tmpdir();
    /* A message output into a stream input is refused, named at its line. */
    write_file("mix.yaml", "blocks:\n"
                           "  s: {type: message_strobe}\n"
                           "  o: {type: null_sink}\n"
                           "connections:\n  - [s.strobe, o.in]\n");
    const char *mix[] = {"validate", "mix.yaml", NULL};
    ck_assert_int_eq(run(mix), 2);
    char *err = read_file("err.txt", NULL);
    ck_assert_str_eq(err, "mix.yaml:5:16: s.strobe is a message port but o.in is a stream port\n");
    free(err);
    /* Two strobes into one print: a message input takes several upstreams, and
     * one with none is fine. */
    write_file("two.yaml", "blocks:\n"
                           "  a: {type: message_strobe, params: {msg: a, period_ms: 10}}\n"
                           "  b: {type: message_strobe, params: {msg: b, period_ms: 10}}\n"
                           "  d: {type: message_debug}\n"
                           "connections:\n  - [a.strobe, d.print]\n  - [b.strobe, d.print]\n");
    const char *two[] = {"validate", "two.yaml", NULL};
    ck_assert_int_eq(run(two), 0);
    /* The cmd input of a block with live parameters is listed like its others. */
    const char *blocks[] = {"blocks", "multiply_const", NULL};
    ck_assert_int_eq(run(blocks), 0);
    char *out = read_file("out.txt", NULL);
    ck_assert_msg(strstr(out, "k              complex required, range [-1e+30, 1e+30], live"),
                  "%s", out);
    free(out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("msg");
    TCase *tc = tcase_create("msg");

    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, run_make_base, run_remove_base);
    tcase_add_test(tc, test_strobe_messages_reach_message_debug);
    tcase_add_test(tc, test_send_reaches_print_pdu_and_store);
    tcase_add_test(tc, test_a_cmd_message_changes_a_parameter_as_set_does);
    tcase_add_test(tc, test_cmd_events_name_the_item_and_refusals);
    tcase_add_test(tc, test_a_full_message_queue_drops_and_counts);
    tcase_add_test(tc, test_the_events_block_turns_a_kill_into_a_message);
    tcase_add_test(tc, test_message_ports_in_the_graph_file);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
