/* split.c - a graph across hosts: its links (split_make), each host's part as a
 * graph file (split_write), and that part loaded to run (split_part). split.h
 * says how connections are cut and links numbered. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "queue.h"
#include "split.h"
#include "validate.h"

/* The names of link k's two blocks: on its producing host "link3_to_dsp", on its
 * consuming host "link3_from_rx" (each names the other host). */
static void link_name(const mqg_graph *g, const mqg_link *l, int k, int producer, char *buf,
                      size_t len)
{
    if (producer)
        snprintf(buf, len, "link%d_to_%s", k, g->hosts[l->to].name);
    else
        snprintf(buf, len, "link%d_from_%s", k, g->hosts[l->from].name);
}

static mq_item_type out_type(const mqg_graph *g, const mqg_end *e)
{
    const mqg_block *b = &g->blocks[e->b];
    char name[64];
    mq_item_type t = MQ_ITEM_BYTES;

    mq_block_port(b->decl, b->n_params, b->kv, 1, e->p, name, sizeof name, &t);
    return t;
}

/* The link that carries connection k's output to its consumer's host, made if
 * it is the first of them. head[output] and chain[] list the links of each
 * output (at most MQ_MAX_FANOUT), so finding one stays linear in the graph. */
static int link_for(const mqg_graph *g, mqg_split *s, int k, int *head, int *chain)
{
    const mqg_conn *c = &g->conns[k];
    int from = g->blocks[c->src.b].host, to = g->blocks[c->dst.b].host;
    size_t at = (size_t)c->src.b * MQ_MAX_PORTS + (size_t)c->src.p;
    const mqg_block *sb = &g->blocks[c->src.b];

    for (int i = head[at]; i >= 0; i = chain[i])
        if (s->links[i].to == to)
            return i;
    int i = s->n_links++;
    s->links[i] = (mqg_link){
        .src_b = c->src.b, .src_p = c->src.p, .from = from, .to = to, .first = k,
        .port = (int)g->link_port + i, .type = out_type(g, &c->src),
        .vlen = mq_block_port_vlen(sb->decl, sb->n_params, sb->kv, 1, c->src.p),
        .depth = c->depth, .policy = c->policy,
    };
    chain[i] = head[at];
    head[at] = i;
    return i;
}

/* A connection between hosts must carry a stream. ZeroMQ's message blocks carry
 * no end of stream (a message port has none), so a part fed by one would never
 * end by itself. */
static int check_stream(const mqg_graph *g, int k, char *err, size_t len)
{
    const mqg_conn *c = &g->conns[k];

    if (out_type(g, &c->src) != MQ_ITEM_MSG)
        return 0;
    graph_error(g, c->src.mark, err, len,
                "connection %s.%s -> %s.%s goes from host %s to host %s, but a message "
                "connection cannot cross hosts (a link of messages carries no end of "
                "stream, so the part it feeds would never end)",
                c->src.block, c->src.port, c->dst.block, c->dst.port,
                g->hosts[g->blocks[c->src.b].host].name, g->hosts[g->blocks[c->dst.b].host].name);
    return -1;
}

/* The producer's side of a link takes the depth and policy of the connection it
 * replaces; a link carrying connections that differ in them takes the defaults. */
static void producer_queue(const mqg_graph *g, mqg_split *s)
{
    for (int k = 0; k < g->n_conns; k++) {
        mqg_link *l = s->conn_link[k] >= 0 ? &s->links[s->conn_link[k]] : NULL;
        if (l && (g->conns[k].depth != l->depth || g->conns[k].policy != l->policy)) {
            l->depth = 0;
            l->policy = MQ_POLICY_BLOCK;
        }
    }
}

/* The links' ports within 1..65535, their blocks' names free. */
static int check_links(const mqg_graph *g, const mqg_split *s, char *err, size_t len)
{
    char name[MQ_NAME_MAX + 16];
    int64_t last = g->link_port + s->n_links - 1;

    if (s->n_links && last > 65535) {
        graph_error(g, g->link_port_given ? g->link_port_mark : g->hosts_mark, err, len,
                    "the graph's %d links between hosts take ports %lld to %lld, past 65535 "
                    "(link_port: a lower first port)", s->n_links, (long long)g->link_port,
                    (long long)last);
        return -1;
    }
    for (int i = 0; i < s->n_links; i++)
        for (int producer = 0; producer < 2; producer++) {
            link_name(g, &s->links[i], i, producer, name, sizeof name);
            int b = graph_find_block(g, name);
            if (b < 0)
                continue;
            graph_error(g, g->blocks[b].mark, err, len,
                        "block name '%s' is the name of link %d's block (from %s to %s) in "
                        "the hosts' parts: rename the block", name, i,
                        g->hosts[s->links[i].from].name, g->hosts[s->links[i].to].name);
            return -1;
        }
    return 0;
}

int split_make(const mqg_graph *g, mqg_split *s, char *err, size_t len)
{
    size_t outs = ((size_t)g->n_blocks + 1) * MQ_MAX_PORTS;
    int *head = malloc(outs * sizeof *head);
    int *chain = malloc(((size_t)g->n_conns + 1) * sizeof *chain);
    int rc = 0;

    *s = (mqg_split){0};
    s->links = calloc((size_t)g->n_conns + 1, sizeof *s->links);
    s->conn_link = malloc(((size_t)g->n_conns + 1) * sizeof *s->conn_link);
    if (!head || !chain || !s->links || !s->conn_link) {
        graph_error(g, g->hosts_mark, err, len, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < outs; i++)
        head[i] = -1;
    for (int k = 0; rc == 0 && k < g->n_conns; k++) {
        const mqg_conn *c = &g->conns[k];
        s->conn_link[k] = -1;
        if (g->blocks[c->src.b].host == g->blocks[c->dst.b].host)
            continue;
        if ((rc = check_stream(g, k, err, len)) == 0)
            s->conn_link[k] = link_for(g, s, k, head, chain);
    }
    free(head);
    free(chain);
    if (rc < 0)
        return -1;
    producer_queue(g, s);
    return check_links(g, s, err, len);
}

void split_free(mqg_split *s)
{
    free(s->links);
    free(s->conn_link);
    *s = (mqg_split){0};
}

int split_check(const mqg_graph *g, char *err, size_t len)
{
    mqg_split s;
    int rc = g->n_hosts ? split_make(g, &s, err, len) : 0;

    if (g->n_hosts)
        split_free(&s);
    return rc;
}

/* ---- the part as a graph file ---------------------------------------------------- */

/* Whether s[0..n) reads back as itself written plain: a word of characters YAML
 * gives no meaning, not a lone "-" (a list entry). */
static int plain_ok(const char *s, size_t n)
{
    if (n == 0 || (n == 1 && s[0] == '-'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.+-/", s[i]))
            return 0;
    return 1;
}

/* s[0..n) as a YAML scalar that reads back as the same text: plain, or
 * double-quoted with escapes. */
static void put_scalar(FILE *f, const char *s, size_t n)
{
    if (plain_ok(s, n)) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void put_text(FILE *f, const char *s)
{
    put_scalar(f, s, strlen(s));
}

/* A list parameter's text, its items joined by commas, as a YAML list. */
static void put_list(FILE *f, const char *v)
{
    fputc('[', f);
    for (const char *p = v; *p;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        put_scalar(f, p, n);
        if (!comma)
            break;
        fputs(", ", f);
        p = comma + 1;
    }
    fputc(']', f);
}

static const char *policy_name(int policy)
{
    return policy == MQ_POLICY_DROP_OLDEST   ? "drop_oldest"
           : policy == MQ_POLICY_DROP_NEWEST ? "drop_newest"
                                             : "block";
}

/* The parameters the file gave block b (not those the validator inferred), in
 * its order, and the items per buffer sizing chose for it: a part does not see the
 * latency budgets downstream of it on other hosts, so it is given the whole
 * graph's choice. -1 for a value that would read back as a ${variable}. */
static int put_params(FILE *f, const mqg_graph *g, const mqg_block *b, char *err, size_t len)
{
    int any = 0;

    for (int k = 0; k < b->n_params; k++) {
        const char *kv = b->kv[k], *eq = strchr(kv, '=');
        if (b->eval && b->eval[k].kind == MQG_EVAL_INFERRED)
            continue;
        if (strstr(eq + 1, "${")) {
            graph_error(g, b->kv_mark[k], err, len, "block '%s': parameter '%.*s': its value "
                        "'%.64s' has a '${' that its part would read as a variable", b->name,
                        (int)(eq - kv), kv, eq + 1);
            return -1;
        }
        fprintf(f, "%s%.*s: ", any++ ? "      " : "    params:\n      ", (int)(eq - kv), kv);
        if (b->kv_mark[k].list)
            put_list(f, eq + 1);
        else
            put_text(f, eq + 1);
        fputc('\n', f);
    }
    return 0;
}

static int put_block(FILE *f, const mqg_graph *g, const mqg_block *b, char *err, size_t len)
{
    static const char *const policies[] = {"never", "on-failure", "always"};

    fprintf(f, "  %s:\n    type: ", b->name);
    put_text(f, b->type);
    fputc('\n', f);
    if (put_params(f, g, b, err, len) < 0)
        return -1;
    if (b->restart != MQG_RESTART_NEVER)
        fprintf(f, "    restart: {policy: %s, max_restarts: %d, backoff_ms: %lld, "
                "max_backoff_ms: %lld}\n", policies[b->restart], b->max_restarts,
                (long long)b->backoff_ms, (long long)b->max_backoff_ms);
    if (b->process) { /* one host's blocks, so its process is whole on that host */
        fputs("    process: ", f);
        put_text(f, b->process);
        fputc('\n', f);
    }
    return 0;
}

static void link_address(const mqg_graph *g, const mqg_link *l, char *buf, size_t len)
{
    snprintf(buf, len, "tcp://%s:%d", g->hosts[l->to].address, l->port);
}

/* Link k's block on host h: a push sink that connects where it is produced, a
 * pull source that binds where it is consumed. */
static void put_link_block(FILE *f, const mqg_graph *g, const mqg_link *l, int k, int h)
{
    char name[MQ_NAME_MAX + 16], addr[300];
    int producer = h == l->from;

    link_name(g, l, k, producer, name, sizeof name);
    link_address(g, l, addr, sizeof addr);
    fprintf(f, "  %s:\n    type: %s\n    params: {type: %s, vlen: %d, address: \"%s\", "
            "bind: %s, pass_tags: true}\n", name, producer ? "zmq_push_sink" : "zmq_pull_source",
            mq_item_name(l->type), l->vlen, addr, producer ? "false" : "true");
}

/* The arena's settings the file gave (those that differ from the defaults). */
static void put_arena(FILE *f, const mqg_graph *g)
{
    int any = g->queue_depth || g->heartbeat_ms != 100 || g->heartbeat_timeout_ms != 2000 ||
              g->n_pools;

    if (!any)
        return;
    fputs("arena:\n", f);
    if (g->queue_depth)
        fprintf(f, "  queue_depth: %u\n", g->queue_depth);
    if (g->heartbeat_ms != 100)
        fprintf(f, "  heartbeat_ms: %lld\n", (long long)g->heartbeat_ms);
    if (g->heartbeat_timeout_ms != 2000)
        fprintf(f, "  heartbeat_timeout_ms: %lld\n", (long long)g->heartbeat_timeout_ms);
    if (g->n_pools)
        fputs("  pools:\n", f);
    for (uint32_t i = 0; i < g->n_pools; i++)
        fprintf(f, "    - {size: %llu, count: %u}\n", (unsigned long long)g->pool_size[i],
                g->pool_count[i]);
}

/* Text from the file (a path, a graph's name) in a comment: one line. */
static void put_comment_text(FILE *f, const char *s)
{
    for (const char *p = s; *p; p++)
        fputc((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

static void put_item(FILE *f, const mqg_link *l)
{
    if (l->vlen > 1)
        fprintf(f, "%s x %d", mq_item_name(l->type), l->vlen);
    else
        fputs(mq_item_name(l->type), f);
}

void split_print_links(FILE *f, const mqg_graph *g, const mqg_split *s, int h,
                       const char *prefix)
{
    char addr[300];

    for (int k = 0; k < s->n_links; k++) {
        const mqg_link *l = &s->links[k];
        const mqg_conn *c = &g->conns[l->first];
        if (h >= 0 && l->from != h && l->to != h)
            continue;
        link_address(g, l, addr, sizeof addr);
        if (h < 0)
            fprintf(f, "%slink %d from %s to %s: %s.%s, ", prefix, k, g->hosts[l->from].name,
                    g->hosts[l->to].name, c->src.block, c->src.port);
        else
            fprintf(f, "%slink %d %s %s: %s.%s, ", prefix, k, l->from == h ? "to" : "from",
                    g->hosts[l->from == h ? l->to : l->from].name, c->src.block, c->src.port);
        put_item(f, l);
        fprintf(f, ", on %s\n", addr);
    }
}

/* Whether a link goes to or from host h. */
static int has_links(const mqg_split *s, int h)
{
    for (int k = 0; k < s->n_links; k++)
        if (s->links[k].from == h || s->links[k].to == h)
            return 1;
    return 0;
}

/* What the part is, and its links, for a reader of the file. */
static void put_header(FILE *f, const mqg_graph *g, const mqg_split *s, int h)
{
    fputs(SPLIT_MARK " from ", f);
    put_comment_text(f, g->file);
    fputs(": the part of graph ", f);
    put_comment_text(f, g->name);
    fprintf(f, " on host %s (%s).\n", g->hosts[h].name, g->hosts[h].address);
    fputs("# Its variables are substituted: their values at the split, --set included.\n", f);
    if (has_links(s, h))
        fputs("# Its links to the other hosts' parts (zmq, doc/network.md):\n", f);
    split_print_links(f, g, s, h, "#   ");
}

static void put_conn(FILE *f, const char *sb, const char *sp, const char *db, const char *dp,
                     uint32_t depth, int policy)
{
    char from[2 * MQ_NAME_MAX + 64], to[2 * MQ_NAME_MAX + 64];
    int long_form = depth || policy != MQ_POLICY_BLOCK;

    snprintf(from, sizeof from, "%s.%s", sb, sp);
    snprintf(to, sizeof to, "%s.%s", db, dp);
    fputs(long_form ? "  - {from: " : "  - [", f);
    put_text(f, from);
    fputs(long_form ? ", to: " : ", ", f);
    put_text(f, to);
    if (depth)
        fprintf(f, ", depth: %u", depth);
    if (policy != MQ_POLICY_BLOCK)
        fprintf(f, ", policy: %s", policy_name(policy));
    fputs(long_form ? "}\n" : "]\n", f);
}

/* Connection k as host h's part has it: as it is between two of h's blocks; into
 * its link where h produces (once per link); out of its link where h consumes. */
static void put_part_conn(FILE *f, const mqg_graph *g, const mqg_split *s, int k, int h)
{
    const mqg_conn *c = &g->conns[k];
    const mqg_link *l = s->conn_link[k] >= 0 ? &s->links[s->conn_link[k]] : NULL;
    char name[MQ_NAME_MAX + 16];

    if (!l && g->blocks[c->src.b].host == h)
        put_conn(f, c->src.block, c->src.port, c->dst.block, c->dst.port, c->depth, c->policy);
    if (l && l->from == h && l->first == k) {
        link_name(g, l, s->conn_link[k], 1, name, sizeof name);
        put_conn(f, c->src.block, c->src.port, name, "in", l->depth, l->policy);
    }
    if (l && l->to == h) {
        link_name(g, l, s->conn_link[k], 0, name, sizeof name);
        put_conn(f, name, "out", c->dst.block, c->dst.port, c->depth, c->policy);
    }
}

/* Whether host h's part has a connection. */
static int part_has_conns(const mqg_graph *g, int h)
{
    for (int k = 0; k < g->n_conns; k++) {
        const mqg_conn *c = &g->conns[k];
        if (g->blocks[c->src.b].host == h || g->blocks[c->dst.b].host == h)
            return 1;
    }
    return 0;
}

int split_write(FILE *f, const mqg_graph *g, const mqg_split *s, int h, char *err, size_t len)
{
    put_header(f, g, s, h);
    fputs("name: ", f);
    char *name = malloc(strlen(g->name) + strlen(g->hosts[h].name) + 2);
    if (!name) {
        snprintf(err, len, "%s: out of memory", g->file);
        return -1;
    }
    sprintf(name, "%s@%s", g->name, g->hosts[h].name);
    put_text(f, name);
    free(name);
    fputc('\n', f);
    if (g->finish_all)
        fputs("finish: all\n", f);
    put_arena(f, g);
    fputs("blocks:\n", f);
    for (int i = 0; i < g->n_blocks; i++)
        if (g->blocks[i].host == h && put_block(f, g, &g->blocks[i], err, len) < 0)
            return -1;
    for (int k = 0; k < s->n_links; k++)
        if (s->links[k].from == h || s->links[k].to == h)
            put_link_block(f, g, &s->links[k], k, h);
    if (part_has_conns(g, h))
        fputs("connections:\n", f);
    for (int k = 0; k < g->n_conns; k++)
        put_part_conn(f, g, s, k, h);
    if (fflush(f) != 0 || ferror(f)) {
        snprintf(err, len, "%s: cannot write host %s's part: %s", g->file, g->hosts[h].name,
                 strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

/* Host h's part as text: 0, or -1 with the reason in err. */
static int part_text(const mqg_graph *g, const mqg_split *s, int h, char **text, size_t *n,
                     char *err, size_t len)
{
    FILE *f = open_memstream(text, n);
    int rc;

    if (!f) {
        snprintf(err, len, "%s: out of memory", g->file);
        return -1;
    }
    rc = split_write(f, g, s, h, err, len);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, len, "%s: out of memory", g->file);
        rc = -1;
    }
    return rc;
}

/* The link blocks, when host h's part has links: they are built only where
 * configure found libzmq, and a part without them would be refused at a line of
 * a text nobody sees. */
static int have_link_blocks(const mqg_graph *g, const mqg_split *s, int h,
                            mqg_catalog *cat, char *err, size_t len)
{
    if (!has_links(s, h) ||
        (catalog_find(cat, "zmq_push_sink") && catalog_find(cat, "zmq_pull_source")))
        return 1;
    snprintf(err, len, "%s: host %s's part needs the blocks zmq_push_sink and "
             "zmq_pull_source for its links, and they are not found (built only where "
             "configure finds libzmq)", g->file, g->hosts[h].name);
    return 0;
}

mqg_graph *split_part(const mqg_graph *g, const mqg_split *s, int h, mqg_catalog *cat,
                      char *err, size_t len)
{
    char *text = NULL, *path = NULL;
    size_t n = 0;
    FILE *in = NULL;
    mqg_graph *part = NULL;

    if (!have_link_blocks(g, s, h, cat, err, len))
        return NULL;
    if (part_text(g, s, h, &text, &n, err, len) < 0) {
        free(text);
        return NULL;
    }
    if (asprintf(&path, "%s@%s", g->file, g->hosts[h].name) < 0)
        path = NULL; /* (asprintf leaves it undefined) */
    if (!path || !(in = fmemopen(text, n, "r")))
        snprintf(err, len, "%s: out of memory", g->file);
    else
        part = graph_load_stream(in, path, NULL, err, len);
    if (in)
        fclose(in);
    if (part && graph_validate(part, cat, err, len) < 0) {
        graph_free(part);
        part = NULL;
    }
    free(path);
    free(text);
    return part;
}

int split_find_host(const mqg_graph *g, const char *name, char *err, size_t len)
{
    char names[512];
    int h, near;

    if (!g->n_hosts) {
        snprintf(err, len, "%s: --host %s: the graph names no hosts (it runs whole on one "
                 "machine)", g->file, name);
        return -1;
    }
    if ((h = graph_find_host(g, name)) >= 0)
        return h;
    near = mqg_names_nearest(&g->host_names, name, strlen(name), 3);
    graph_host_names(g, names, sizeof names);
    if (near >= 0)
        snprintf(err, len, "%s: --host %s: the graph has no host '%s' (did you mean '%s'?)",
                 g->file, name, name, g->hosts[near].name);
    else
        snprintf(err, len, "%s: --host %s: the graph has no host '%s' (its hosts: %s)", g->file,
                 name, name, names);
    return -1;
}

/* ---- the parts as files (split -o DIR) --------------------------------------------- */

/* DIR/BASE.HOST.yaml, BASE the graph file's name without its extension. */
static char *part_path(const mqg_graph *g, int h, const char *dir)
{
    const char *base = strrchr(g->file, '/') ? strrchr(g->file, '/') + 1 : g->file;
    const char *dot = strrchr(base, '.');
    int n = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    char *path;

    if (asprintf(&path, "%s/%.*s.%s.yaml", dir, n, base, g->hosts[h].name) < 0)
        return NULL;
    return path;
}

/* Whether path may be written: it is not there, or it is a file split made. */
static int replaceable(const char *path, char *err, size_t len)
{
    char line[sizeof SPLIT_MARK];
    struct stat st;
    FILE *f;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, len, "%s: %s", path, strerror(errno));
        return 0;
    }
    if (!S_ISREG(st.st_mode) || !(f = fopen(path, "r"))) {
        snprintf(err, len, "%s: %s; not replaced", path,
                 S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
        return 0;
    }
    int own = fgets(line, sizeof line, f) && !strcmp(line, SPLIT_MARK);
    fclose(f);
    if (!own)
        snprintf(err, len, "%s: not a file mqgraph split made; not replaced", path);
    return own;
}

/* Host h's part into path, through a temporary file beside it renamed over it,
 * so a failure leaves what was there. */
static int save_part(const mqg_graph *g, const mqg_split *s, int h, const char *path,
                     char *err, size_t len)
{
    char *tmp;
    int fd, rc;
    mode_t mask = umask(0);

    umask(mask);
    if (asprintf(&tmp, "%s.XXXXXX", path) < 0) {
        snprintf(err, len, "%s: out of memory", path);
        return -1;
    }
    FILE *f = (fd = mkstemp(tmp)) >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        snprintf(err, len, "%s: %s", tmp, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return -1;
    }
    fchmod(fd, 0666 & ~mask); /* as a file the shell makes, not mkstemp's 0600 */
    rc = split_write(f, g, s, h, err, len);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, len, "%s: %s", tmp, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) < 0) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int split_save(const mqg_graph *g, const mqg_split *s, int only, const char *dir, char *err,
               size_t len)
{
    char **paths = calloc((size_t)g->n_hosts, sizeof *paths);
    int rc = paths ? 0 : -1;
    struct stat st;

    if (!paths) {
        snprintf(err, len, "%s: out of memory", dir);
    } else if (stat(dir, &st) < 0) {
        snprintf(err, len, "%s: %s", dir, strerror(errno));
        rc = -1;
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, len, "%s: %s", dir, strerror(ENOTDIR));
        rc = -1;
    }
    /* every file checked before any is written */
    for (int h = 0; rc == 0 && h < g->n_hosts; h++) {
        if (only >= 0 && h != only)
            continue;
        if (!(paths[h] = part_path(g, h, dir))) {
            snprintf(err, len, "%s: out of memory", dir);
            rc = -1;
        } else if (!replaceable(paths[h], err, len)) {
            rc = -1;
        }
    }
    for (int h = 0; rc == 0 && h < g->n_hosts; h++) {
        if (!paths[h])
            continue;
        if ((rc = save_part(g, s, h, paths[h], err, len)) == 0)
            printf("%s: host %s\n", paths[h], g->hosts[h].name);
    }
    for (int h = 0; paths && h < g->n_hosts; h++)
        free(paths[h]);
    free(paths);
    return rc;
}
