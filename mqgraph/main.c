/* main.c - the mqgraph command line: run, validate, split, blocks, dot, and the
 * commands that talk to running graphs (client.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "mq.h"
#include "catalog.h"
#include "client.h"
#include "graph.h"
#include "proctitle.h"
#include "placement.h"
#include "sizing.h"
#include "split.h"
#include "supervise.h"
#include "validate.h"

#define EXIT_USAGE 2

static const char *usage_main =
    "usage: mqgraph [--help] [--version] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run FILE [--set VAR=VALUE]... [--host NAME] [--quiet] [--stats FILE] [--workers N]\n"
    "                                            run a graph, one process per block\n"
    "  validate FILE [--set VAR=VALUE]... [--verbose] [--json]\n"
    "                                            check a graph without running it\n"
    "  split FILE [--set VAR=VALUE]... [--host NAME] [-o DIR]\n"
    "                                            each host's part of a graph across hosts\n"
    "  blocks [NAME]                             list block types, or show one\n"
    "  dot FILE                                  print the graph as Graphviz\n"
    "\n"
    "commands for running graphs (GRAPH: its name, or NAME:PID):\n"
    "  list                                      this user's running graphs\n"
    "  status GRAPH [--json]                     blocks, connections, pools, rates\n"
    "  top GRAPH                                 the status, refreshed every second\n"
    "  get GRAPH BLOCK[.PARAM]                   parameters and their values\n"
    "  set GRAPH BLOCK.PARAM=VALUE...            change live parameters\n"
    "  send GRAPH BLOCK.PORT MESSAGE             a message into a message input\n"
    "  events GRAPH [--all] [--count N]          what happens, as it happens\n"
    "  tap GRAPH BLOCK.PORT [--count N]          the items flowing out of an output\n"
    "  stop GRAPH                                a graceful stop; the run exits 0\n"
    "\n"
    "Block modules are found in $MQ_BLOCK_PATH (colon-separated) and the installed\n"
    "block directory. 'mqgraph COMMAND --help' describes a command.\n";

static const char *usage_run =
    "usage: mqgraph run FILE [--set VAR=VALUE]... [--host NAME] [--quiet] [--stats FILE]\n"
    "                        [--workers N|auto|0]\n"
    "Runs the graph: its blocks in processes over a shared-memory arena. Prints a\n"
    "summary per block and per connection at the end (not with --quiet). While it\n"
    "runs, the graph answers mqgraph list, status, top, get, set, send, events, tap\n"
    "and stop.\n"
    "--host NAME runs only host NAME's part of a graph across hosts, its connections\n"
    "to the other hosts' parts as zmq links (the part mqgraph split prints); without\n"
    "it the whole graph runs here.\n"
    "--stats FILE writes the status as one JSON line a second (doc/control.md).\n"
    "--workers N runs the blocks the file gives no process: in N worker processes,\n"
    "each a run of the graph in its order, so a buffer passes several blocks without\n"
    "a wake-up. The default, auto, is one per CPU when there are more such blocks\n"
    "than CPUs; 0 gives every block a process of its own. Blocks that restart, and\n"
    "python, zmq_*, udp_*, file_source and file_sink blocks, keep a process of their\n"
    "own.\n"
    "Exit status: 0 when every block finished (also after mqgraph stop), 1 when one\n"
    "failed or the graph could not start (the arena, the --stats file), 2 for a bad\n"
    "graph or arguments, 130/143 when stopped by SIGINT/SIGTERM (the graph drains\n"
    "first; a second signal forces).\n";
static const char *usage_validate =
    "usage: mqgraph validate FILE [--set VAR=VALUE]... [--verbose] [--json]\n"
    "Checks the graph (syntax, block types, params, ports, item types, fan-in,\n"
    "unconnected inputs, cycles) and prints FILE:LINE:COL: message for a problem.\n"
    "--verbose also prints the parameter values the file does not say as they are:\n"
    "those worked out of expressions, and item types taken from upstream.\n"
    "--json prints, for a valid graph, one JSON object instead: its name, and every\n"
    "block's type and parameters as the blocks will get them (text, as get's).\n";
static const char *usage_split =
    "usage: mqgraph split FILE [--set VAR=VALUE]... [--host NAME] [-o DIR]\n"
    "Prints each host's part of a graph across hosts (hosts: {NAME: ADDRESS} at the\n"
    "top, host: NAME on every block) as a graph file: the host's blocks, and a zmq\n"
    "link for each output that feeds another host, on port link_port (default 5600)\n"
    "plus the link's number, at the consuming host's address. The parts are YAML\n"
    "documents separated by '---'; --host NAME prints one. -o DIR writes each to\n"
    "DIR/BASE.HOST.yaml instead, replacing only files that mqgraph split made.\n"
    "mqgraph run FILE --host NAME runs the same part.\n";
static const char *usage_blocks =
    "usage: mqgraph blocks [NAME]\n"
    "Lists the block types found, or shows one: ports, item types, params, docs.\n";
static const char *usage_dot = "usage: mqgraph dot FILE [--set VAR=VALUE]...\n"
                               "Prints the graph in Graphviz dot syntax.\n";

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* What a command line says after the command, and the options it may say. */
struct cmdline {
    int takes_run, takes_verbose, takes_host, takes_outdir; /* the command's options */
    struct run_opts run;
    int verbose, json;
    const char *host, *outdir, *workers;
};

/* One option of a command other than --set: 1 taken (*i moved past its value),
 * 0 not an option of this command, -1 its value missing (said on stderr). */
static int take_option(int argc, char **argv, int *i, struct cmdline *c, const char *usage)
{
    const char *a = argv[*i], **value = NULL;

    if (c->takes_verbose && !strcmp(a, "--verbose"))
        return c->verbose = 1;
    if (c->takes_verbose && !strcmp(a, "--json"))
        return c->json = 1;
    if (c->takes_run && !strcmp(a, "--quiet"))
        return c->run.quiet = 1;
    if (c->takes_run && !strcmp(a, "--stats"))
        value = &c->run.stats;
    else if (c->takes_run && !strcmp(a, "--workers"))
        value = &c->workers;
    else if (c->takes_host && !strcmp(a, "--host"))
        value = &c->host;
    else if (c->takes_outdir && !strcmp(a, "-o"))
        value = &c->outdir;
    if (!value)
        return 0;
    if (*i + 1 >= argc) {
        fprintf(stderr, "mqgraph: %s needs %s\n%s", a,
                !strcmp(a, "--host")      ? "a host name"
                : !strcmp(a, "-o")        ? "a directory"
                : !strcmp(a, "--workers") ? "a number of processes or 'auto'"
                                          : "a file",
                usage);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

/* Parses FILE [--set V=X]... and the command's options into c; returns the loaded,
 * validated graph. */
static mqg_graph *load(int argc, char **argv, const char *usage, mqg_catalog *cat,
                       struct cmdline *c, int *status)
{
    const char *file = NULL;
    mqg_vars vars = {0, calloc((size_t)argc + 1, sizeof(char *))};
    char err[MQ_BLOCK_ERROR_MAX + 1024]; /* a Python block's traceback, and where */
    mqg_graph *g = NULL;
    int rc;

    *status = EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--set")) {
            if (i + 1 >= argc || !strchr(argv[i + 1], '=') || argv[i + 1][0] == '=') {
                fprintf(stderr, "mqgraph: --set needs VAR=VALUE\n%s", usage);
                goto out;
            }
            vars.kv[vars.n++] = argv[++i];
        } else if ((rc = take_option(argc, argv, &i, c, usage)) < 0) {
            goto out;
        } else if (rc == 0 && (argv[i][0] == '-' || file)) {
            fprintf(stderr, "mqgraph: unexpected argument '%s'\n%s", argv[i], usage);
            goto out;
        } else if (rc == 0) {
            file = argv[i];
        }
    }
    if (!file) {
        fprintf(stderr, "mqgraph: no graph file given\n%s", usage);
        goto out;
    }
    if (!(g = graph_load(file, &vars, err, sizeof err))) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    catalog_init(cat); /* the modules of the types it names, as validation asks */
    if (graph_validate(g, cat, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        graph_free(g);
        g = NULL;
        goto out;
    }
    *status = 0;
out:
    free(vars.kv);
    return g;
}

static int has_live(const mq_block_decl *d)
{
    for (int k = 0; k < d->n_params; k++)
        if (d->params[k].flags & MQ_PARAM_LIVE)
            return 1;
    return 0;
}

static void show_ports(const mq_block_decl *d, int output)
{
    const mq_port_decl *p = output ? d->out : d->in;
    int n = output ? d->n_out : d->n_in;
    const char *count = output ? d->out_count_param : d->in_count_param;

    int cmd = !output && has_live(d);

    printf("%s:", output ? "outputs" : "inputs");
    if (n == 0 && !cmd)
        printf(" none");
    for (int i = 0; i < n; i++) {
        if (count)
            printf(" %s0..%sN-1 (N = param %s)", p[i].name, p[i].name, count);
        else
            printf(" %s", p[i].name);
        if (p[i].type_param)
            printf(" (type from param %s)", p[i].type_param);
        else
            printf(" (%s)", mq_item_name(p[i].type));
        if (count)
            break;
    }
    if (cmd)
        printf("%s cmd (msg: {\"param\": value} sets live parameters)", n ? "," : "");
    printf("\n");
}

/* Whether p, in doc, ends a sentence: a full stop before a space, a line's end or
 * the doc's (an ellipsis, "y[2d].. for", does not). */
static int sentence_end(const char *doc, const char *p)
{
    return p[0] == '.' && (!p[1] || isspace((unsigned char)p[1])) && !(p > doc && p[-1] == '.');
}

/* The list's line for a block: its name and the first sentence of its doc (to the
 * first ". ", or the end), the doc's lines joined, wrapped at 80 columns under
 * the name's column. */
static void show_summary(const char *name, const char *doc)
{
    enum { INDENT = 17, WIDTH = 80 };
    const char *end = doc, *w;
    /* a name as wide as the column gets a line of its own */
    int col = (int)strlen(name) < INDENT - 1 ? printf("%-*s", INDENT - 1, name)
                                              : printf("%s\n%*s", name, INDENT - 1, "") -
                                                    (int)strlen(name) - 1;

    while (*end && !sentence_end(doc, end))
        end++;
    end += *end == '.';
    for (const char *p = doc; p < end; p = w) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        for (w = p; w < end && !isspace((unsigned char)*w); w++)
            ;
        if (w == p)
            break;
        if (col + 1 + (w - p) > WIDTH && col >= INDENT)
            col = printf("\n%*s", INDENT - 1, "") - 1;
        col += printf(" %.*s", (int)(w - p), p);
    }
    printf("\n");
}

static int cmd_blocks(int argc, char **argv)
{
    mqg_catalog cat;

    if (wants_help(argc, argv)) {
        fputs(usage_blocks, stdout);
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "mqgraph: unexpected argument '%s'\n%s", argv[1], usage_blocks);
        return EXIT_USAGE;
    }
    catalog_load(&cat);
    for (int i = 0; i < cat.n_broken; i++)
        fprintf(stderr, "mqgraph: warning: %s\n", cat.broken[i]);
    if (argc == 0) {
        for (int i = 0; i < cat.n; i++)
            show_summary(cat.m[i].decl->name, cat.m[i].decl->doc ? cat.m[i].decl->doc : "");
        catalog_free(&cat);
        return 0;
    }
    const mqg_module *m = catalog_find(&cat, argv[0]);
    if (!m) {
        const char *near = catalog_suggest(&cat, argv[0]);
        fprintf(stderr, "mqgraph: no block type '%s'%s%s%s\n", argv[0],
                near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
        catalog_free(&cat);
        return EXIT_USAGE;
    }
    const mq_block_decl *d = m->decl;
    printf("%s  (%s)\n%s\n", d->name, m->path, d->doc ? d->doc : "");
    show_ports(d, 0);
    show_ports(d, 1);
    printf("params:\n");
    for (int k = 0; k < d->n_params; k++) {
        const mq_param_decl *p = &d->params[k];
        printf("  %-14s %-6s", p->name, mq_param_type_name(p->type));
        if (p->flags & MQ_PARAM_SIZED) /* sizing.h; the default is for runs without mqgraph */
            printf(" default auto (64 KiB of items, or latency_ms of the rate)");
        else if (p->def)
            printf(" default %s", *p->def ? p->def : p->type == MQ_PARAM_FLOATS ? "[]" : "\"\"");
        else
            printf(" required");
        if (p->min < p->max)
            printf(", range [%.15g, %.15g]", p->min, p->max);
        if (p->choices)
            printf(", one of %s", p->choices);
        if (p->flags & MQ_PARAM_LIVE)
            printf(", live");
        printf("\n      %s\n", p->doc ? p->doc : "");
    }
    catalog_free(&cat);
    return 0;
}

/* Whether "name=value" text kv gives parameter `name` of d its default. */
static int is_default(const mq_block_decl *d, const char *kv)
{
    const char *eq = strchr(kv, '=');

    for (int j = 0; j < d->n_params; j++) {
        const mq_param_decl *p = &d->params[j];
        if (strlen(p->name) == (size_t)(eq - kv) && !strncmp(p->name, kv, (size_t)(eq - kv)))
            return p->def && !strcmp(p->def, eq + 1);
    }
    return 0;
}

/* validate --verbose: the parameters whose values the file does not say as they
 * are, one a line: expressions, and item types taken from upstream that are not
 * the default. */
static void show_derived(const mqg_graph *g)
{
    for (int i = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i];
        for (int k = 0; b->eval && k < b->n_params; k++) {
            const mqg_eval *e = &b->eval[k];
            const char *kv = b->kv[k], *eq = strchr(kv, '=');
            int n = (int)(eq - kv);
            if (e->kind == MQG_EVAL_VALUE)
                printf("  %s.%.*s = %s (from '%s')\n", b->name, n, kv, eq + 1, e->src);
            else if (e->kind == MQG_EVAL_INFERRED && !is_default(b->decl, kv))
                printf("  %s.%.*s = %s (from %s.%s)\n", b->name, n, kv, eq + 1,
                       g->conns[e->from].src.block, g->conns[e->from].src.port);
        }
    }
}

/* A block's value of parameter p as its process gets it: the file's (substituted,
 * worked out, or inferred from upstream), else the declaration's default. */
static const char *param_value(const mqg_block *b, const mq_param_decl *p)
{
    size_t n = strlen(p->name);

    for (int k = 0; k < b->n_params; k++)
        if (!strncmp(b->kv[k], p->name, n) && b->kv[k][n] == '=')
            return b->kv[k] + n + 1;
    return p->def;
}

/* validate --json: what a program (the Python API, python/mq/graph.py) needs of a
 * valid graph without parsing YAML and working out types again: every block's
 * parameters as the blocks get them. */
static void show_json(const mqg_graph *g)
{
    json_t *blocks = json_array();

    for (int i = 0; i < g->n_blocks; i++) {
        const mqg_block *b = &g->blocks[i];
        json_t *params = json_object();
        for (int j = 0; j < b->decl->n_params; j++) {
            const char *v = param_value(b, &b->decl->params[j]);
            if (v)
                json_object_set_new(params, b->decl->params[j].name, json_string(v));
        }
        json_array_append_new(blocks, json_pack("{s:s, s:s, s:o}", "name", b->name, "type",
                                                b->type, "params", params));
    }
    json_t *doc = json_pack("{s:s, s:s, s:o}", "file", g->file, "name", g->name, "blocks", blocks);
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text)
        puts(text);
    free(text);
    json_decref(doc);
}

static int cmd_dot(mqg_graph *g)
{
    printf("digraph \"%s\" {\n  rankdir=LR;\n", g->name);
    for (int i = 0; i < g->n_blocks; i++)
        printf("  \"%s\" [shape=box, label=\"%s\\n%s\"];\n", g->blocks[i].name,
               g->blocks[i].name, g->blocks[i].type);
    /* a graph across hosts: a box around each host's blocks */
    for (int h = 0; h < g->n_hosts; h++) {
        printf("  subgraph \"cluster_%s\" {\n    label=\"%s (%s)\";\n", g->hosts[h].name,
               g->hosts[h].name, g->hosts[h].address);
        for (int i = 0; i < g->n_blocks; i++)
            if (g->blocks[i].host == h)
                printf("    \"%s\";\n", g->blocks[i].name);
        printf("  }\n");
    }
    for (int k = 0; k < g->n_conns; k++) {
        mqg_conn *c = &g->conns[k];
        printf("  \"%s\" -> \"%s\" [label=\"%s -> %s\"];\n", c->src.block, c->dst.block,
               c->src.port, c->dst.port);
    }
    printf("}\n");
    return 0;
}

/* Every host's part of g, or host `only`'s, loaded and validated (what run --host
 * would run): 0, or EXIT_USAGE with the reason on stderr. */
static int check_parts(const mqg_graph *g, const mqg_split *s, int only, mqg_catalog *cat)
{
    char err[2048];

    for (int h = 0; h < g->n_hosts; h++) {
        mqg_graph *part = only < 0 || h == only ? split_part(g, s, h, cat, err, sizeof err) : NULL;
        if (!part && (only < 0 || h == only)) {
            fprintf(stderr, "%s\n", err);
            return EXIT_USAGE;
        }
        graph_free(part);
    }
    return 0;
}

/* validate: a graph across hosts also has each part checked, the link blocks
 * and each part's arena, so that run --host never refuses a part validate passed. */
static int cmd_validate(mqg_graph *g, mqg_catalog *cat, int verbose, int json)
{
    mqg_split s = {0};
    char err[2048];
    int rc = 0;

    if (g->n_hosts && split_make(g, &s, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        rc = EXIT_USAGE;
    }
    if (rc == 0 && g->n_hosts)
        rc = check_parts(g, &s, -1, cat);
    if (rc == 0 && json)
        show_json(g);
    else if (rc == 0) {
        printf("%s: ok (%d block%s, %d connection%s", g->file, g->n_blocks,
               g->n_blocks == 1 ? "" : "s", g->n_conns, g->n_conns == 1 ? "" : "s");
        if (g->n_hosts)
            printf(", %d hosts, %d link%s", g->n_hosts, s.n_links, s.n_links == 1 ? "" : "s");
        printf(")\n");
    }
    if (rc == 0 && verbose && !json) {
        mq_layout l;
        show_derived(g);
        graph_layout(g, &l);
        sizing_print(stdout, g, &l, "  ");
        split_print_links(stdout, g, &s, -1, "  ");
    }
    split_free(&s);
    return rc;
}

/* split: every part checked before any is printed or written. */
static int cmd_split(mqg_graph *g, mqg_catalog *cat, const struct cmdline *c)
{
    mqg_split s = {0};
    char err[2048];
    int only = -1, rc = 0;

    if (!g->n_hosts) {
        fprintf(stderr, "%s: the graph names no hosts (hosts: {NAME: ADDRESS} at the top, and "
                "host: NAME on every block), so it has no parts\n", g->file);
        return EXIT_USAGE;
    }
    if (c->host && (only = split_find_host(g, c->host, err, sizeof err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    if (split_make(g, &s, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        split_free(&s);
        return EXIT_USAGE;
    }
    if ((rc = check_parts(g, &s, only, cat)) == 0 && c->outdir) {
        if (split_save(g, &s, only, c->outdir, err, sizeof err) < 0) {
            fprintf(stderr, "mqgraph: %s\n", err);
            rc = 1;
        }
    }
    for (int h = 0, n = 0; rc == 0 && !c->outdir && h < g->n_hosts; h++) {
        if (only >= 0 && h != only)
            continue;
        if (n++)
            fputs("---\n", stdout);
        if (split_write(stdout, g, &s, h, err, sizeof err) < 0) {
            fprintf(stderr, "mqgraph: %s\n", err);
            rc = 1;
        }
    }
    split_free(&s);
    return rc;
}

/* run --workers N|auto|0 (auto when not given): 0, or EXIT_USAGE after saying
 * why. auto is one worker process per CPU, and only when the graph has more
 * blocks to place than CPUs: on 2 CPUs a 16-stage chain moves 1.7x the items a
 * second in 2 processes that it does in 19 (doc/architecture.md, "Worker
 * processes"). 0: a process for every block. */
static int place_workers(mqg_graph *g, const char *arg)
{
    char *end;
    long n = !strcmp(arg, "auto") ? sysconf(_SC_NPROCESSORS_ONLN) : strtol(arg, &end, 10);

    if (strcmp(arg, "auto") && (end == arg || *end || n < 0 || n > MQ_MAX_BLOCKS_IN_GRAPH)) {
        fprintf(stderr, "mqgraph: --workers wants a number of processes from 1 to %d, "
                        "'auto', or 0 for a process per block; not '%s'\n",
                MQ_MAX_BLOCKS_IN_GRAPH, arg);
        return EXIT_USAGE;
    }
    if (n == 0)
        return 0;
    if (placement_workers(g, (int)n) < 0) {
        fprintf(stderr, "mqgraph: out of memory\n");
        return EXIT_FAILURE;
    }
    return 0;
}

/* run --host NAME: g is replaced by NAME's part. */
static int take_part(mqg_graph **g, mqg_catalog *cat, const char *host)
{
    mqg_split s;
    char err[2048];
    int h = split_find_host(*g, host, err, sizeof err);
    mqg_graph *part = NULL;

    if (h >= 0 && split_make(*g, &s, err, sizeof err) == 0)
        part = split_part(*g, &s, h, cat, err, sizeof err);
    if (h >= 0)
        split_free(&s);
    if (!part) {
        fprintf(stderr, "%s\n", err);
        return EXIT_USAGE;
    }
    graph_free(*g);
    *g = part;
    return 0;
}

int main(int argc, char **argv)
{
    mqg_catalog cat = {0};
    int status;
    mqg_graph *g;

    proctitle_init(argc, argv);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("mqgraph %s\n", MQ_VERSION_STRING);
        return 0;
    }
    if (!strcmp(cmd, "blocks"))
        return cmd_blocks(argc - 2, argv + 2);
    if (client_usage(cmd)) {
        if (wants_help(argc - 2, argv + 2)) {
            fputs(client_usage(cmd), stdout);
            return 0;
        }
        return client_main(cmd, argc - 2, argv + 2);
    }
    int run = !strcmp(cmd, "run"), split = !strcmp(cmd, "split");
    const char *usage = run                        ? usage_run
                        : !strcmp(cmd, "validate") ? usage_validate
                        : split                    ? usage_split
                        : !strcmp(cmd, "dot")      ? usage_dot
                                                   : NULL;
    if (!usage) {
        fprintf(stderr, "mqgraph: unknown command '%s'\n%s", cmd, usage_main);
        return EXIT_USAGE;
    }
    if (wants_help(argc - 2, argv + 2)) {
        fputs(usage, stdout);
        return 0;
    }
    struct cmdline c = {.takes_run = run, .takes_verbose = !strcmp(cmd, "validate"),
                        .takes_host = run || split, .takes_outdir = split};
    if (run)
        supervise_hold_stops();
    g = load(argc - 2, argv + 2, usage, &cat, &c, &status);
    if (g && run && c.host)
        status = take_part(&g, &cat, c.host);
    if (!g || status) {
        graph_free(g);
        catalog_free(&cat);
        return status;
    }
    if (run && (status = place_workers(g, c.workers ? c.workers : "auto")) != 0) {
        graph_free(g);
        catalog_free(&cat);
        return status;
    }
    if (c.takes_verbose)
        status = cmd_validate(g, &cat, c.verbose, c.json);
    else if (split)
        status = cmd_split(g, &cat, &c);
    else if (!strcmp(cmd, "dot"))
        status = cmd_dot(g);
    else
        status = supervise_run(g, &cat, &c.run);
    graph_free(g);
    catalog_free(&cat);
    return status;
}
