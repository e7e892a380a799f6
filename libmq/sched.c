/* sched.c - tasks on stacks of their own, switched by one thread (sched.h).
 *
 * The switch on x86-64 is a few instructions of our own (the callee-saved
 * registers, the SSE and x87 control words, the stack pointer): glibc's
 * swapcontext also saves and restores the signal mask, a system call per switch,
 * which would cost more than the futex wake-up this module exists to avoid. Other
 * machines use swapcontext.
 *
 * Sleeping, when no task can go on (the doorbell handshake, doorbell.c, with the
 * scheduler in the sleeper's place): the tasks' own waits do not count themselves
 * as sleepers (a push from one task to another of this process would otherwise
 * call futex_wake every time); the scheduler increments `sleepers` of every
 * doorbell a task waits on, fences, and only then lets every task look at its
 * queues once more. A task that still finds nothing records the doorbell's
 * sequence number as it reads it now; a ringer that published after that look
 * sees the sleeper and moves the number, so the wait on all the recorded numbers
 * returns at once. Nothing is lost between a task's last look and the sleep.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arena_internal.h"
#include "clock.h"
#include "error.h"
#include "sched.h"

#if defined(__SANITIZE_ADDRESS__)
#define MQ__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MQ__ASAN 1
#endif
#endif
#ifdef MQ__ASAN
#include <sanitizer/common_interface_defs.h>
#endif

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#define MQ__STACK_DEFAULT (1u << 20)
#define MQ__WAITV_MAX 128 /* the kernel's limit on one futex_waitv */
#define MQ__POLL_NS 1000000 /* without futex_waitv: the longest sleep on one of several bells */

enum { MQ__T_NEW, MQ__T_RUN, MQ__T_WAIT, MQ__T_DONE };

struct mq__task {
    struct mq_sched *s;
    void (*fn)(void *);
    void *arg;
    uint8_t *map;  /* the mapping: a guard page, then the stack */
    size_t map_len;
    void *sp;      /* saved stack pointer while switched out */
#if !defined(__x86_64__)
    ucontext_t uc;
#endif
    int state;
    struct mq__doorbell *bell; /* MQ__T_WAIT: what it waits on, */
    uint32_t seq;              /* the number it read, */
    int64_t deadline;          /* and until when (< 0: none) */
#ifdef MQ__ASAN
    void *fake;
#endif
};

struct mq_sched {
    struct mq__coop coop; /* first: the handle's hook points here */
    mq_arena *a;
    struct mq__task *t;
    int n, cap, cur, running;
    void *main_sp;
#if !defined(__x86_64__)
    ucontext_t main_uc;
#endif
    struct mq__doorbell *armed[MQ__WAITV_MAX];
    int n_armed;
    int no_waitv; /* the kernel has no futex_waitv */
    unsigned long long sleeps, switches;
#ifdef MQ__ASAN
    void *main_fake;
    const void *main_bottom;
    size_t main_size;
#endif
};

/* ---- the switch -------------------------------------------------------------------- */

#if defined(__x86_64__)
/* mq__switch(&from_sp, to_sp): pushes the callee-saved registers and the control
 * words on the current stack, stores the stack pointer, loads to_sp and pops the
 * same from there. A new stack is laid out as if switched away from at the start
 * of mq__boot, which calls r13(r12). */
void mq__switch(void **from_sp, void *to_sp);
void mq__boot(void);
__asm__(".text\n"
        ".p2align 4\n"
        ".globl mq__switch\n"
        ".hidden mq__switch\n"
        ".type mq__switch,@function\n"
        "mq__switch:\n"
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    subq $8, %rsp\n"
        "    stmxcsr (%rsp)\n"
        "    fnstcw 4(%rsp)\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    ldmxcsr (%rsp)\n"
        "    fldcw 4(%rsp)\n"
        "    addq $8, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        ".size mq__switch, .-mq__switch\n"
        ".globl mq__boot\n"
        ".hidden mq__boot\n"
        ".type mq__boot,@function\n"
        "mq__boot:\n"
        "    movq %r12, %rdi\n"
        "    callq *%r13\n"
        "    ud2\n"
        ".size mq__boot, .-mq__boot\n");
#endif

static void mq__task_main(struct mq__task *t);

#if !defined(__x86_64__)
static void mq__uc_entry(unsigned hi, unsigned lo)
{
    mq__task_main((struct mq__task *)(((uintptr_t)hi << 32) | lo));
}
#endif

/* Lays out a new task's stack so that the first switch to it starts mq__task_main. */
static void mq__task_prepare(struct mq__task *t)
{
    uint8_t *top = t->map + t->map_len;
#if defined(__x86_64__)
    uint64_t *sp = (uint64_t *)(void *)(top - 16); /* 16-aligned after mq__boot's pop */
    uint32_t csr[2];
    __asm__ volatile("stmxcsr %0\n fnstcw %1" : "=m"(csr[0]), "=m"(csr[1]));
    *--sp = (uint64_t)(uintptr_t)mq__boot;      /* ret */
    *--sp = 0;                                  /* rbp */
    *--sp = 0;                                  /* rbx */
    *--sp = (uint64_t)(uintptr_t)t;             /* r12: the argument */
    *--sp = (uint64_t)(uintptr_t)mq__task_main; /* r13: the function */
    *--sp = 0;                                  /* r14 */
    *--sp = 0;                                  /* r15 */
    *--sp = (uint64_t)(csr[1] & 0xffff) << 32 | csr[0];
    t->sp = sp;
#else
    uintptr_t p = (uintptr_t)t;
    getcontext(&t->uc);
    t->uc.uc_stack.ss_sp = t->map + getpagesize();
    t->uc.uc_stack.ss_size = t->map_len - (size_t)getpagesize();
    t->uc.uc_link = NULL;
    makecontext(&t->uc, (void (*)(void))mq__uc_entry, 2, (unsigned)(p >> 32), (unsigned)p);
    (void)top;
#endif
}

static void mq__to_task(struct mq_sched *s, struct mq__task *t)
{
    s->switches++;
#ifdef MQ__ASAN
    size_t page = (size_t)getpagesize();
    __sanitizer_start_switch_fiber(&s->main_fake, t->map + page, t->map_len - page);
#endif
#if defined(__x86_64__)
    mq__switch(&s->main_sp, t->sp);
#else
    swapcontext(&s->main_uc, &t->uc);
#endif
#ifdef MQ__ASAN
    __sanitizer_finish_switch_fiber(s->main_fake, NULL, NULL);
#endif
}

/* From task t back to the scheduler; returns when t is switched to again. */
static void mq__to_main(struct mq_sched *s, struct mq__task *t, int last)
{
#ifdef MQ__ASAN
    __sanitizer_start_switch_fiber(last ? NULL : &t->fake, s->main_bottom, s->main_size);
#endif
    (void)last;
#if defined(__x86_64__)
    mq__switch(&t->sp, s->main_sp);
#else
    swapcontext(&t->uc, &s->main_uc);
#endif
#ifdef MQ__ASAN
    __sanitizer_finish_switch_fiber(t->fake, &s->main_bottom, &s->main_size);
#endif
}

static void mq__task_main(struct mq__task *t)
{
    struct mq_sched *s = t->s;
#ifdef MQ__ASAN
    __sanitizer_finish_switch_fiber(NULL, &s->main_bottom, &s->main_size);
#endif
    t->fn(t->arg);
    t->state = MQ__T_DONE;
    s->running--;
    mq__to_main(s, t, 1);
    abort(); /* a finished task is never switched to */
}

/* ---- waiting ------------------------------------------------------------------------- */

/* The handle's hook (mq__doorbell_wait in a task): gives the thread up. Returns 0
 * once switched to again (the task looks again, as after any wake-up), or
 * MQ_ETIMEDOUT past its deadline. */
static int mq__sched_wait(struct mq__coop *co, struct mq__doorbell *d, uint32_t seq,
                          int64_t deadline_ns)
{
    struct mq_sched *s = (struct mq_sched *)co;
    struct mq__task *t = &s->t[s->cur];

    t->bell = d;
    t->seq = seq;
    t->deadline = deadline_ns;
    t->state = MQ__T_WAIT;
    mq__to_main(s, t, 0);
    t->state = MQ__T_RUN;
    return deadline_ns >= 0 && mq_now_ns() >= deadline_ns ? MQ_ETIMEDOUT : 0;
}

void mq_sched_yield(mq_arena *a)
{
    if (!a->coop)
        return;
    struct mq_sched *s = (struct mq_sched *)a->coop;
    struct mq__task *t = &s->t[s->cur];
    t->bell = NULL;
    t->deadline = 0; /* ready at once */
    t->state = MQ__T_WAIT;
    mq__to_main(s, t, 0);
    t->state = MQ__T_RUN;
}

void mq_sched_sleep_until(mq_arena *a, int64_t deadline_ns)
{
    if (a->coop) {
        a->coop->wait(a->coop, NULL, 0, deadline_ns); /* waits on no bell */
        return;
    }
    struct timespec t = {(time_t)(deadline_ns / 1000000000), (long)(deadline_ns % 1000000000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
}

/* One turn for every task that has not returned. */
static void mq__round(struct mq_sched *s)
{
    for (int i = 0; i < s->n; i++) {
        struct mq__task *t = &s->t[i];
        if (t->state == MQ__T_DONE)
            continue;
        s->cur = i;
        if (t->state == MQ__T_NEW)
            t->state = MQ__T_RUN;
        mq__to_task(s, t);
    }
}

static void mq__arm(struct mq_sched *s)
{
    s->n_armed = 0;
    for (int i = 0; i < s->n; i++) {
        struct mq__task *t = &s->t[i];
        int seen = 0;
        if (t->state != MQ__T_WAIT || !t->bell)
            continue;
        for (int k = 0; k < s->n_armed && !seen; k++)
            seen = s->armed[k] == t->bell;
        if (seen || s->n_armed == MQ__WAITV_MAX)
            continue;
        s->armed[s->n_armed++] = t->bell;
        atomic_fetch_add_explicit(&t->bell->sleepers, 1, memory_order_relaxed);
    }
    mq__fence();
}

static void mq__disarm(struct mq_sched *s)
{
    for (int k = 0; k < s->n_armed; k++)
        atomic_fetch_sub_explicit(&s->armed[k]->sleepers, 1, memory_order_relaxed);
    s->n_armed = 0;
}

/* Sleeps until a doorbell a task waits on moves or the earliest deadline. */
static void mq__sleep(struct mq_sched *s)
{
    struct futex_waitv w[MQ__WAITV_MAX];
    int64_t deadline = -1;
    int n = 0;

    for (int i = 0; i < s->n; i++) {
        struct mq__task *t = &s->t[i];
        if (t->state != MQ__T_WAIT)
            continue;
        if (t->deadline >= 0 && (deadline < 0 || t->deadline < deadline))
            deadline = t->deadline;
        if (!t->bell || n == MQ__WAITV_MAX)
            continue;
        if (atomic_load_explicit(&t->bell->seq, memory_order_relaxed) != t->seq)
            return; /* rung since it looked */
        w[n] = (struct futex_waitv){.val = t->seq, .uaddr = (uintptr_t)&t->bell->seq,
                                    .flags = FUTEX_32};
        n++;
    }
    if (n == 0 && deadline < 0)
        return; /* nothing to wait for: a task that waits on no bell looks again */
    s->sleeps++;
    if (!s->no_waitv && n > 0) {
        struct timespec ts, *tp = NULL;
        if (deadline >= 0) {
            ts.tv_sec = deadline / 1000000000;
            ts.tv_nsec = deadline % 1000000000;
            tp = &ts;
        }
        if (syscall(SYS_futex_waitv, w, (unsigned)n, 0, tp, CLOCK_MONOTONIC) >= 0 ||
            errno != ENOSYS)
            return;
        s->no_waitv = 1;
    }
    /* One bell at a time: the others are looked at within MQ__POLL_NS. */
    int64_t now = mq_now_ns(), left = deadline < 0 ? MQ__POLL_NS : deadline - now;
    if (n > 1 && left > MQ__POLL_NS)
        left = MQ__POLL_NS;
    if (left <= 0)
        return;
    struct timespec rel = {left / 1000000000, left % 1000000000};
    if (n > 0)
        syscall(SYS_futex, (void *)(uintptr_t)w[0].uaddr, FUTEX_WAIT, (uint32_t)w[0].val, &rel,
                NULL, 0);
    else
        nanosleep(&rel, NULL);
}

/* No task did anything in a whole round: hand on what this process holds back,
 * arm, let every task look once more, and sleep if none found anything. */
static void mq__idle(struct mq_sched *s)
{
    uint64_t before;

    mq__pool_unclaim(s->a);
    mq__queue_flush_owed(s->a);
    mq__arm(s);
    before = s->a->progress;
    mq__round(s);
    if (s->a->progress == before && s->running > 0) {
        mq__pool_unclaim(s->a);
        mq__queue_flush_owed(s->a);
        mq__sleep(s);
    }
    mq__disarm(s);
}

/* ---- the interface ----------------------------------------------------------------- */

int mq_sched_new(mq_arena *a, mq_sched **out)
{
    mq_sched *s = calloc(1, sizeof *s);

    if (!s)
        return MQ_ENOMEM;
    s->a = a;
    s->coop.wait = mq__sched_wait;
    *out = s;
    return 0;
}

int mq_sched_add(mq_sched *s, void (*fn)(void *arg), void *arg, size_t stack_bytes)
{
    size_t page = (size_t)getpagesize();

    if (s->a->coop)
        return MQ_EBUSY; /* running: the table may not move */
    if (s->n == s->cap) {
        int cap = s->cap ? 2 * s->cap : 8;
        struct mq__task *t = realloc(s->t, (size_t)cap * sizeof *t);
        if (!t)
            return MQ_ENOMEM;
        s->t = t;
        s->cap = cap;
    }
    if (stack_bytes == 0)
        stack_bytes = MQ__STACK_DEFAULT;
    stack_bytes = (stack_bytes + page - 1) / page * page;
    struct mq__task *t = &s->t[s->n];
    memset(t, 0, sizeof *t);
    t->fn = fn;
    t->arg = arg;
    t->map_len = stack_bytes + page;
    t->map = mmap(NULL, t->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                  MAP_NORESERVE | MAP_STACK, -1, 0);
    if (t->map == MAP_FAILED)
        return MQ_ENOMEM;
    if (mprotect(t->map, page, PROT_NONE) < 0) { /* the guard: an overflow faults */
        munmap(t->map, t->map_len);
        return MQ_ENOMEM;
    }
    s->n++;
    return 0;
}

int mq_sched_run(mq_sched *s)
{
    for (int i = 0; i < s->n; i++) {
        s->t[i].s = s;
        s->t[i].state = MQ__T_NEW;
        mq__task_prepare(&s->t[i]);
    }
    s->running = s->n;
    s->a->coop = &s->coop;
    while (s->running > 0) {
        uint64_t before = s->a->progress;
        mq__round(s);
        if (s->running > 0 && s->a->progress == before)
            mq__idle(s);
    }
    s->a->coop = NULL;
    return 0;
}

void mq_sched_counts(const mq_sched *s, unsigned long long *sleeps, unsigned long long *switches)
{
    *sleeps = s->sleeps;
    *switches = s->switches;
}

void mq_sched_free(mq_sched *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        munmap(s->t[i].map, s->t[i].map_len);
    free(s->t);
    free(s);
}
