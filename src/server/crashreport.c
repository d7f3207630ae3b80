/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Bug reports for fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT)
 * and failed assertions, written to the log before the process dies:
 *
 *   === TERN BUG REPORT START: send everything down to the END line ===
 *   <log line> Tern 0.1.0 crashed by signal: 11 (SIGSEGV), si_code: 2
 *   <log line> Accessing address: 0x7f...        (faults with an address)
 *   ------ STACK TRACE ------                     (glibc backtrace, symbols
 *   ...                                           need the -rdynamic link)
 *   ------ CURRENT CLIENT INFO ------
 *   client: id=7 addr=... cmd=debug|segfault ...  (its CLIENT LIST line)
 *   argc: 2
 *   argv[0]: "DEBUG"                              (quoted, cut at 128 bytes)
 *   ------ INFO OUTPUT ------
 *   # Server / # Clients / # Memory
 *   === TERN BUG REPORT END ===
 *
 * Then the default action of the signal is restored and the signal raised
 * again, so the exit status says which signal killed the server (a failed
 * assertion ends as SIGABRT).  The cheap, robust parts come first: if the
 * state is so damaged that formatting the client or INFO faults again, the
 * second fault ends the process at once with the trace already written.
 *
 * The handler is best effort by nature: it calls functions that are not
 * async-signal-safe (the state is broken anyway), but writes with write(2)
 * to the log's descriptor and runs on its own stack, so a stack overflow is
 * reported too.  backtrace() is called once at install time because its
 * first call may load libgcc, which must not happen inside a handler.
 */
#include "server/crashreport.h"

#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "net/conn.h"
#include "server/info.h"
#include "server/server.h"

#define REPORT_ARG_BYTES 128 /* each argument is cut after this many bytes */
#define REPORT_MAX_ARGS 32   /* and only the first ones are shown */
#define ALT_STACK_SIZE (64 * 1024)

static const int fatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static volatile sig_atomic_t reporting; /* a report is being written */

static void writeAll(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n <= 0) return;
        p += n;
        len -= (size_t)n;
    }
}

static void writeStr(int fd, const char *s) { writeAll(fd, s, strlen(s)); }

/* The log's descriptor: the logfile opened for appending, or stdout. */
static int openLogFd(void) {
    fflush(stdout);
    if (!server.logfile || !*server.logfile) return STDOUT_FILENO;
    int fd = open(server.logfile, O_WRONLY | O_APPEND | O_CREAT, 0644);
    return fd >= 0 ? fd : STDERR_FILENO;
}

static void closeLogFd(int fd) {
    if (fd > STDERR_FILENO) close(fd);
}

/* 'p' ('len' bytes) in double quotes with C escapes, cut after
 * REPORT_ARG_BYTES with a note of how much was left out. */
static sbuf *catArg(sbuf *s, const char *p, size_t len) {
    size_t shown = len > REPORT_ARG_BYTES ? REPORT_ARG_BYTES : len;
    s = sbufCat(s, "\"", 1);
    for (size_t j = 0; j < shown; j++) {
        unsigned char ch = (unsigned char)p[j];
        if (ch == '"' || ch == '\\')
            s = sbufCatPrintf(s, "\\%c", ch);
        else if (ch < 32 || ch >= 127)
            s = sbufCatPrintf(s, "\\x%02x", ch);
        else
            s = sbufCat(s, p + j, 1);
    }
    s = sbufCat(s, "\"", 1);
    if (shown < len) s = sbufCatPrintf(s, "... (%zu more bytes)", len - shown);
    return s;
}

static void writeClientInfo(int fd) {
    client *c = server.currentClient;
    writeStr(fd, "\n------ CURRENT CLIENT INFO ------\n");
    if (!c) {
        writeStr(fd, "no client was running a command\n");
        return;
    }
    sbuf *s = sbufNewCap(512);
    s = sbufCatStr(s, "client: ");
    s = catClientInfo(s, c);
    s = sbufCatPrintf(s, "\nargc: %d\n", c->argc);
    int shown = c->argc < REPORT_MAX_ARGS ? c->argc : REPORT_MAX_ARGS;
    for (int j = 0; j < shown; j++) {
        s = sbufCatPrintf(s, "argv[%d]: ", j);
        s = catArg(s, c->argv[j].ptr, c->argv[j].len);
        s = sbufCat(s, "\n", 1);
    }
    if (shown < c->argc) s = sbufCatPrintf(s, "... %d more arguments\n", c->argc - shown);
    writeAll(fd, s->buf, s->len);
    sbufFree(s);
}

static void writeInfo(int fd) {
    static const char *const sections[] = {"server", "clients", "memory"};
    writeStr(fd, "\n------ INFO OUTPUT ------\n");
    sbuf *s = sbufNewCap(4096);
    for (size_t j = 0; j < sizeof(sections) / sizeof(sections[0]); j++) {
        if (j) s = sbufCat(s, "\n", 1);
        s = infoCatSection(s, sections[j]);
    }
    /* INFO ends lines with CRLF; a log reads better with plain newlines. */
    size_t out = 0;
    for (size_t j = 0; j < s->len; j++)
        if (s->buf[j] != '\r') s->buf[out++] = s->buf[j];
    writeAll(fd, s->buf, out);
    sbufFree(s);
}

/* Everything after the first lines: trace, client, INFO, END. */
static void writeReportBody(int fd) {
    writeStr(fd, "\n------ STACK TRACE ------\n");
    void *frames[100];
    int n = backtrace(frames, 100);
    backtrace_symbols_fd(frames, n, fd);
    writeClientInfo(fd);
    writeInfo(fd);
    writeStr(fd, "\n=== TERN BUG REPORT END ===\n");
}

static void writeReportStart(int fd) {
    writeStr(fd, "\n\n=== TERN BUG REPORT START: send everything down to the END line ===\n");
}

static const char *signalName(int sig) {
    switch (sig) {
        case SIGSEGV: return "SIGSEGV";
        case SIGBUS: return "SIGBUS";
        case SIGFPE: return "SIGFPE";
        case SIGILL: return "SIGILL";
        case SIGABRT: return "SIGABRT";
        default: return "?";
    }
}

/* Where the faulting instruction was, from the signal context. */
static void *faultingInstruction(void *uctx) {
    ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return (void *)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (void *)uc->uc_mcontext.pc;
#else
    (void)uc;
    return NULL;
#endif
}

__attribute__((noreturn)) static void dieBy(int sig) {
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    act.sa_handler = SIG_DFL;
    sigemptyset(&act.sa_mask);
    sigaction(sig, &act, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action ends the process */
}

static void fatalSignalHandler(int sig, siginfo_t *info, void *uctx) {
    if (reporting) {
        /* Faulted again while reporting: what is written stays written. */
        static const char msg[] = "\n(crashed again while writing the bug report)\n";
        writeAll(STDERR_FILENO, msg, sizeof(msg) - 1);
        dieBy(sig);
    }
    reporting = 1;
    int fd = openLogFd();
    writeReportStart(fd);
    serverLog(LL_WARNING, "Tern %s (Redis %s compatible) crashed by signal: %d (%s), si_code: %d",
              TERN_OWN_VERSION, TERN_VERSION, sig, signalName(sig), info ? info->si_code : 0);
    if (info && (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL))
        serverLog(LL_WARNING, "Accessing address: %p", info->si_addr);
    if (info && info->si_code <= 0)
        serverLog(LL_WARNING, "Sent by pid %d, uid %d", (int)info->si_pid, (int)info->si_uid);
    void *ip = uctx ? faultingInstruction(uctx) : NULL;
    if (ip) serverLog(LL_WARNING, "Crashed running the instruction at: %p", ip);
    writeReportBody(fd);
    closeLogFd(fd);
    dieBy(sig);
}

void crashReportInstall(void) {
    void *warm[1];
    backtrace(warm, 1);
    static char *altStack;
    if (!altStack) {
        altStack = malloc(ALT_STACK_SIZE);
        if (altStack) {
            stack_t ss = {.ss_sp = altStack, .ss_size = ALT_STACK_SIZE, .ss_flags = 0};
            sigaltstack(&ss, NULL);
        }
    }
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    sigemptyset(&act.sa_mask);
    act.sa_sigaction = fatalSignalHandler;
    act.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    for (size_t j = 0; j < sizeof(fatalSignals) / sizeof(fatalSignals[0]); j++)
        sigaction(fatalSignals[j], &act, NULL);
}

void crashReportAssertion(const char *file, int line, const char *msg) {
    if (!reporting) {
        reporting = 1;
        int fd = openLogFd();
        writeReportStart(fd);
        serverLog(LL_WARNING, "=== ASSERTION FAILED ===");
        serverLog(LL_WARNING, "==> %s:%d %s", file, line, msg);
        writeReportBody(fd);
        closeLogFd(fd);
    }
    dieBy(SIGABRT);
}
