/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Process lifecycle: initialisation, the periodic cron (expiry, rehashing,
 * client timeouts, stats), the before-sleep hook (flushing replies), signal
 * handling and orderly shutdown.
 */
#include "server/crashreport.h"
#include "server/server.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "acl/acl.h"
#include "net/tls.h"
#include "core/blocking.h"
#include "core/command.h"
#include "core/db.h"
#include "net/conn.h"
#include "server/info.h"
#include "server/lifecycle.h"
#include "types/registry.h"
#include "server/slowlog.h"
#include "script/script.h"

serverState server;

long long ustime(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

long long mstime(void) { return ustime() / 1000; }

void updateCachedTime(void) {
    server.unixtimeMs = mstime();
    server.lruclock = lruClock();
}

static void sigShutdownHandler(int sig) {
    if (server.shutdownAsap && sig == SIGINT) {
        /* A second Ctrl-C: exit now, as Redis does ("You insist..."). */
        static const char msg[] = "You insist... exiting now.\n";
        if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) { /* exiting anyway */
        }
        _exit(1);
    }
    /* The cron does the work; only remember which signal asked. */
    server.shutdownAsap = sig;
}

static void setupSignals(void) {
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    sigemptyset(&act.sa_mask);
    act.sa_handler = sigShutdownHandler;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    crashReportInstall();
}

static void incrementalRehash(void) {
    for (int j = 0; j < server.dbnum; j++) {
        if (htIsRehashing(server.dbs[j].keys)) {
            htRehashMicros(server.dbs[j].keys, 1000);
            break; /* one db per cron tick is enough work */
        }
        htMaybeShrink(server.dbs[j].keys);
    }
}

static long long serverCron(eventLoop *el, long long id, void *data) {
    updateCachedTime();
    server.cronloops++;
    size_t used = tallocUsedMemory();
    if (used > server.stat.peakMemory) server.stat.peakMemory = used;
    if (server.shutdownAsap) {
        const char *name = server.shutdownAsap == SIGINT ? "SIGINT" : "SIGTERM";
        serverLog(LL_WARNING, "Received %s scheduling shutdown...", name);
        if (prepareForShutdown(SHUTDOWN_DEFAULT) == C_OK) exitServer(0);
        serverLog(LL_WARNING,
                  "%s received but errors trying to shut down the server, check the logs for "
                  "more information",
                  name);
        server.shutdownAsap = 0;
    }
    infoCronSample();
    clientsCron();
    activeExpireCycle();
    incrementalRehash();
    return server.hz > 0 ? 1000 / server.hz : 100;
}

static void beforeSleep(eventLoop *el) {
    blockingProcessReady();
    handleClientsBeforeSleep();
}

static void afterSleep(eventLoop *el) { updateCachedTime(); }

/* CONFIG SET maxclients: raises the fd limit and grows the event loop so
 * the new clients can be watched, as Redis does.  C_ERR (with Redis's
 * message in '*err') when the loop cannot take the new size. */
static void adjustOpenFilesLimit(void);

int applyMaxclients(const char **err) {
    if (!server.el) return C_OK; /* at startup initServer sizes everything */
    unsigned int wanted = server.maxclients;
    adjustOpenFilesLimit();
    if (server.maxclients != wanted) {
        static char msg[128];
        snprintf(msg, sizeof(msg),
                 "The operating system is not able to handle the specified number of clients, "
                 "try with %u",
                 server.maxclients);
        *err = msg;
        return C_ERR;
    }
    if (loopResize(server.el, (int)server.maxclients + 128) == -1) {
        *err = "The event loop API used by Redis is not able to handle the specified number of "
               "clients";
        return C_ERR;
    }
    return C_OK;
}

static void adjustOpenFilesLimit(void) {
    rlim_t want = (rlim_t)server.maxclients + 32;
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == -1) return;
    if (lim.rlim_cur >= want) return;
    rlim_t target = want < lim.rlim_max ? want : lim.rlim_max;
    lim.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &lim) == 0 && target < want) {
        unsigned int old = server.maxclients;
        server.maxclients = (unsigned int)(target > 32 ? target - 32 : 1);
        serverLog(LL_WARNING, "You requested maxclients of %u requiring at least %llu max file descriptors. Reduced to %u.",
                  old, (unsigned long long)want, server.maxclients);
    }
}

static void writePidfile(void) {
    if (!server.pidfile) return;
    FILE *fp = fopen(server.pidfile, "w");
    if (!fp) {
        serverLog(LL_WARNING, "Failed to write PID file: %s", server.pidfile);
        return;
    }
    fprintf(fp, "%d\n", (int)getpid());
    fclose(fp);
}

static void daemonizeProcess(void) {
    if (fork() != 0) exit(0); /* parent exits */
    setsid();
    int fd = open("/dev/null", O_RDWR, 0);
    if (fd != -1) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO) close(fd);
    }
}

static void makeRunId(void) {
    static const char hex[] = "0123456789abcdef";
    unsigned char rnd[20];
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd == -1 || read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
        for (size_t j = 0; j < sizeof(rnd); j++) rnd[j] = (unsigned char)(random() & 0xff);
    }
    if (fd != -1) close(fd);
    for (size_t j = 0; j < 20; j++) {
        server.runid[j * 2] = hex[rnd[j] >> 4];
        server.runid[j * 2 + 1] = hex[rnd[j] & 15];
    }
    server.runid[40] = '\0';
    uint64_t seed;
    memcpy(&seed, rnd, sizeof(seed));
    htSetSeed(seed);
    srandom((unsigned)(seed ^ (uint64_t)getpid()));
}

int initServer(void) {
    if (server.daemonize) daemonizeProcess();
    server.pid = getpid();
    updateCachedTime();
    server.stat.startTimeMs = server.unixtimeMs;
    makeRunId();
    setupSignals();
    adjustOpenFilesLimit();
    server.el = loopCreate((int)server.maxclients + 128);
    if (!server.el) {
        serverLog(LL_WARNING, "Failed creating the event loop");
        return C_ERR;
    }
    dbInitAll();
    commandTableInit();
    aclInit();
    aclLoadAtStartup();
    registerTypes();
    lazyfreeInit();
    scriptingInit();
    if (listenAll() == C_ERR) return C_ERR;
    writePidfile();
    loopAddTimer(server.el, 1, serverCron, NULL);
    loopSetBeforeSleep(server.el, beforeSleep);
    loopSetAfterSleep(server.el, afterSleep);
    infoRecordStartup();
    return C_OK;
}

int prepareForShutdown(int flags) {
    serverLog(LL_WARNING, "User requested shutdown...");
    /* No persistence yet, so the only save that can be asked for is an
     * explicit SAVE, and it cannot succeed.  Like a failed save in Redis it
     * keeps the server running unless FORCE says to exit anyway. */
    if (flags & SHUTDOWN_SAVE) {
        serverLog(LL_WARNING, "Error trying to save the DB: persistence is not supported yet.");
        if (!(flags & SHUTDOWN_FORCE)) {
            serverLog(LL_WARNING, "Error trying to save the DB, can't exit.");
            return C_ERR;
        }
        serverLog(LL_WARNING, "Error trying to save the DB. Exit anyway.");
    }
    if (server.pidfile) unlink(server.pidfile);
    closeListeners();
    serverLog(LL_WARNING, "Tern is now ready to exit, bye bye...");
    return C_OK;
}

void exitServer(int code) {
    /* Free everything so leak checkers see a clean exit.  We may be inside
     * a command (SHUTDOWN): the caller is freed too, and never returns to. */
    server.currentClient = NULL;
    while (server.clients) freeClient(server.clients);
    server.pendingWrites = NULL;
    lazyfreeShutdown();
    dbFreeAll();
    scriptingRelease();
    aclRelease();
    tlsRelease();
    slowlogReset();
    freeConfigStrings();
    loopRelease(server.el);
    exit(code);
}

void runServer(void) { loopRun(server.el); }
