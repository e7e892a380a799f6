/* main.c - the mqgraph command line: run, validate, blocks, dot, and the commands
 * that talk to running graphs (client.c). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mq.h"
#include "catalog.h"
#include "client.h"
#include "graph.h"
#include "proctitle.h"
#include "supervise.h"
#include "validate.h"

#define EXIT_USAGE 2

static const char *usage_main =
    "usage: mqgraph [--help] [--version] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  run FILE [--set VAR=VALUE]... [--quiet] [--stats FILE]\n"
    "                                            run a graph, one process per block\n"
    "  validate FILE [--set VAR=VALUE]... [--verbose]\n"
    "                                            check a graph without running it\n"
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
    "usage: mqgraph run FILE [--set VAR=VALUE]... [--quiet] [--stats FILE]\n"
    "Runs the graph: one process per block in a shared-memory arena. Prints a summary\n"
    "per block and per connection at the end (not with --quiet). While it runs, the\n"
    "graph answers mqgraph list, status, top, get, set, send, events, tap and stop.\n"
    "--stats FILE writes the status as one JSON line a second (doc/control.md).\n"
    "Exit status: 0 when every block finished (also after mqgraph stop), 1 when one\n"
    "failed or the graph could not start (the arena, the --stats file), 2 for a bad\n"
    "graph or arguments, 130/143 when stopped by SIGINT/SIGTERM (the graph drains\n"
    "first; a second signal forces).\n";
static const char *usage_validate =
    "usage: mqgraph validate FILE [--set VAR=VALUE]... [--verbose]\n"
    "Checks the graph (syntax, block types, params, ports, item types, fan-in,\n"
    "unconnected inputs, cycles) and prints FILE:LINE:COL: message for a problem.\n"
    "--verbose also prints the parameter values the file does not say as they are:\n"
    "those worked out of expressions, and item types taken from upstream.\n";
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

/* Parses FILE [--set V=X]... [--quiet] [--stats FILE] [--verbose] (run's options
 * only with `run` non-NULL, validate's with `verbose`); returns the loaded,
 * validated graph. */
static mqg_graph *load(int argc, char **argv, const char *usage, mqg_catalog *cat,
                       struct run_opts *run, int *verbose, int *status)
{
    const char *file = NULL;
    mqg_vars vars = {0, calloc((size_t)argc + 1, sizeof(char *))};
    char err[MQ_BLOCK_ERROR_MAX + 1024]; /* a Python block's traceback, and where */
    mqg_graph *g = NULL;

    *status = EXIT_USAGE;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--set")) {
            if (i + 1 >= argc || !strchr(argv[i + 1], '=') || argv[i + 1][0] == '=') {
                fprintf(stderr, "mqgraph: --set needs VAR=VALUE\n%s", usage);
                goto out;
            }
            vars.kv[vars.n++] = argv[++i];
        } else if (verbose && !strcmp(argv[i], "--verbose")) {
            *verbose = 1;
        } else if (run && !strcmp(argv[i], "--quiet")) {
            run->quiet = 1;
        } else if (run && !strcmp(argv[i], "--stats")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "mqgraph: --stats needs a file\n%s", usage);
                goto out;
            }
            run->stats = argv[++i];
        } else if (argv[i][0] == '-' || file) {
            fprintf(stderr, "mqgraph: unexpected argument '%s'\n%s", argv[i], usage);
            goto out;
        } else {
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
    catalog_load(cat);
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
        if (p->def)
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

static int cmd_dot(mqg_graph *g)
{
    printf("digraph \"%s\" {\n  rankdir=LR;\n", g->name);
    for (int i = 0; i < g->n_blocks; i++)
        printf("  \"%s\" [shape=box, label=\"%s\\n%s\"];\n", g->blocks[i].name,
               g->blocks[i].name, g->blocks[i].type);
    for (int k = 0; k < g->n_conns; k++) {
        mqg_conn *c = &g->conns[k];
        printf("  \"%s\" -> \"%s\" [label=\"%s -> %s\"];\n", c->src.block, c->dst.block,
               c->src.port, c->dst.port);
    }
    printf("}\n");
    return 0;
}

int main(int argc, char **argv)
{
    mqg_catalog cat = {0};
    struct run_opts run = {0, NULL};
    int status, verbose = 0;
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
    const char *usage = !strcmp(cmd, "run")        ? usage_run
                        : !strcmp(cmd, "validate") ? usage_validate
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
    if (!strcmp(cmd, "run"))
        supervise_hold_stops();
    g = load(argc - 2, argv + 2, usage, &cat, !strcmp(cmd, "run") ? &run : NULL,
             !strcmp(cmd, "validate") ? &verbose : NULL, &status);
    if (!g) {
        catalog_free(&cat);
        return status;
    }
    if (!strcmp(cmd, "validate")) {
        printf("%s: ok (%d block%s, %d connection%s)\n", g->file, g->n_blocks,
               g->n_blocks == 1 ? "" : "s", g->n_conns, g->n_conns == 1 ? "" : "s");
        if (verbose)
            show_derived(g);
        status = 0;
    } else if (!strcmp(cmd, "dot")) {
        status = cmd_dot(g);
    } else {
        status = supervise_run(g, &cat, &run);
    }
    graph_free(g);
    catalog_free(&cat);
    return status;
}
