/*
 * farm-cc-fast COMPILER ARGS...: farm-cc's front for builds of many small compiles (issue 20, goal 1).
 *
 * A .NET process costs about 7 ms of CPU to start and exit, more than half of a whole ccache hit. This front is a
 * plain C program: it asks farm-cc's resident helper (`farm-cc --serve`, started here on first use, gone after
 * FARM_CACHE_HELPER_IDLE seconds without a compile, default 300) whether the compile is a direct-mode hit. The helper
 * is farm-cc's own code in a process that stays warm. On a hit it writes the object and the dependency file in place
 * and sends back the compiler's messages and exit code. On a depend-mode miss or an uncacheable compile it sends the
 * compiler's command, which this front runs as its own child (the build's environment, limits and process group; its
 * stdout straight to the build, its stderr shown and sent back), and then stores the result. Anything else (a compile
 * keyed by its preprocessed text, a cache with Redis, the worker's sandbox, no helper yet, a helper that does not
 * answer in time) is handed to farm-cc itself, unchanged, by exec: this front decides nothing about caching.
 *
 * Trust: the helper's socket lives in a directory of this user's, mode 0700 (XDG_RUNTIME_DIR/farm-cc, else
 * /tmp/farm-cc-UID), checked before every connect; the helper must run as this user (SO_PEERCRED), and it in turn
 * serves only this user's processes in its own mount namespace and root. One helper per farm-cc build: the socket's
 * name comes from the farm-cc program's device, inode, size and modification time, so an upgraded farm-cc never talks
 * to an old helper. FARM_CACHE_HELPER=0 turns the helper off.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The request's first four bytes; the helper's message kinds (HelperRequest.cs, HelperAnswer.cs, FrontCompilerRunner.cs). */
static const char MAGIC[4] = {'F', 'C', 'C', '1'};
enum { ANSWERED = 0, FALL_BACK = 1, RUN = 2 };

/* How long a compile waits for the helper's answer before compiling through farm-cc itself. */
enum { ANSWER_TIMEOUT_SECONDS = 60 };

/* Requests larger than this are not sent (the helper refuses them too): farm-cc handles the compile. */
enum { MAX_REQUEST = 8 << 20 };

static char core[PATH_MAX];

/* farm-cc itself, for everything the helper does not answer; the compiler alone if farm-cc cannot run. */
static void run_farm_cc(char **argv)
{
    argv[0] = core;
    execv(core, argv);
    fprintf(stderr, "farm-cc-fast: cannot run %s (%s); compiling without the cache\n", core, strerror(errno));
    if (argv[1] != NULL) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "farm-cc-fast: cannot run %s (%s)\n", argv[1], strerror(errno));
    }
    _exit(127);
}

/* farm-cc beside this program (the real path of /proc/self/exe), as dotnet publish places them. */
static int find_core(void)
{
    ssize_t n = readlink("/proc/self/exe", core, sizeof core - 16);
    if (n <= 0) {
        return -1;
    }
    core[n] = '\0';
    char *slash = strrchr(core, '/');
    if (slash == NULL) {
        return -1;
    }
    strcpy(slash + 1, "farm-cc");
    return 0;
}

/* The helper's directory: created if missing, then accepted only as this user's directory, closed to others. */
static int socket_directory(char *out, size_t size)
{
    const char *runtime = getenv("XDG_RUNTIME_DIR");
    int n = runtime != NULL && runtime[0] == '/'
        ? snprintf(out, size, "%s/farm-cc", runtime)
        : snprintf(out, size, "/tmp/farm-cc-%u", (unsigned)geteuid());
    if (n <= 0 || (size_t)n >= size) {
        return -1;
    }
    if (mkdir(out, 0700) != 0 && errno != EEXIST) {
        return -1;
    }
    struct stat st;
    if (lstat(out, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
        return -1;
    }
    return 0;
}

struct buffer {
    char *data;
    size_t length, capacity;
    int failed;
};

static void put(struct buffer *b, const void *data, size_t length)
{
    if (b->failed || b->length + length > MAX_REQUEST) {
        b->failed = 1;
        return;
    }
    if (b->length + length > b->capacity) {
        size_t capacity = b->capacity * 2 > b->length + length ? b->capacity * 2 : b->length + length + 4096;
        char *grown = realloc(b->data, capacity);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->length, data, length);
    b->length += length;
}

static void put_u32(struct buffer *b, uint32_t value)
{
    unsigned char bytes[4] = {value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >> 24) & 0xff};
    put(b, bytes, 4);
}

static void put_string(struct buffer *b, const char *text)
{
    size_t length = strlen(text);
    put_u32(b, (uint32_t)length);
    put(b, text, length);
}

/* Only what farm-cc's settings read: its own variables and PATH (to find the compiler as farm-cc would). */
static int wanted(const char *entry)
{
    return strncmp(entry, "FARM_CACHE_", 11) == 0 || strncmp(entry, "PATH=", 5) == 0;
}

static int send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = send(fd, data, length, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

static int receive_all(int fd, void *data, size_t length)
{
    char *at = data;
    while (length > 0) {
        ssize_t n = recv(fd, at, length, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        at += n;
        length -= (size_t)n;
    }
    return 0;
}

static int receive_u32(int fd, uint32_t *value)
{
    unsigned char bytes[4];
    if (receive_all(fd, bytes, 4) != 0) {
        return -1;
    }
    *value = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
    return 0;
}

/*
 * Starts a helper for the next compiles (this one goes to farm-cc now, without waiting): detached in its own session,
 * its output to /dev/null. At most one start per two seconds per socket, so that make -j's first compiles do not
 * each start one; a second helper finds the first's socket and exits.
 */
static void start_helper(const char *socket_path)
{
    char stamp[sizeof ((struct sockaddr_un *)0)->sun_path + 8];
    snprintf(stamp, sizeof stamp, "%s.start", socket_path);
    struct stat st;
    if (stat(stamp, &st) == 0 && time(NULL) - st.st_mtime < 2) {
        return;
    }
    int fd = open(stamp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return;
    }
    close(fd);

    const char *idle = getenv("FARM_CACHE_HELPER_IDLE");
    char idle_seconds[16] = "300";
    if (idle != NULL && strlen(idle) > 0 && strlen(idle) < sizeof idle_seconds && strspn(idle, "0123456789") == strlen(idle)) {
        strcpy(idle_seconds, idle);
    }

    pid_t child = fork();
    if (child < 0) {
        return;
    }
    if (child == 0) {
        setsid();
        if (fork() == 0) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0) {
                dup2(null, 0);
                dup2(null, 1);
                dup2(null, 2);
            }
            for (int fd = 3; fd < 1024; fd++) {
                close(fd);
            }
            /* A clean environment: the helper outlives this build and serves others, so nothing of this build's
               (LD_PRELOAD, DOTNET_*, its FARM_CACHE_* settings, which come with each request) goes with it. */
            char *environment[3] = {NULL, NULL, NULL};
            int kept = 0;
            for (char **e = environ; *e != NULL; e++) {
                if (kept < 2 && (strncmp(*e, "PATH=", 5) == 0 || strncmp(*e, "TMPDIR=", 7) == 0)) {
                    environment[kept++] = *e;
                }
            }
            char *arguments[] = {core, "--serve", (char *)socket_path, "--idle", idle_seconds, NULL};
            execve(core, arguments, environment);
            _exit(127);
        }
        _exit(0);
    }
    waitpid(child, NULL, 0);
}

static void write_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return;
        }
        data += n;
        length -= (size_t)n;
    }
}

/*
 * The helper's RUN: the command (length-prefixed words), run as this process's child with stdout inherited and
 * stderr through a pipe, shown as it comes and sent back with the exit code. Returns the exit code (128 + the signal
 * for a compiler killed by one), or -1 when the command could not be read (the compiler did not run).
 */
static int run_compiler(int fd)
{
    uint32_t count;
    if (receive_u32(fd, &count) != 0 || count == 0 || count > 65536) {
        return -1;
    }
    char **words = calloc(count + 1, sizeof *words);
    size_t total = 0;
    for (uint32_t i = 0; words != NULL && i < count; i++) {
        uint32_t length;
        if (receive_u32(fd, &length) != 0 || (total += length) > MAX_REQUEST || (words[i] = malloc(length + 1)) == NULL
            || receive_all(fd, words[i], length) != 0) {
            return -1;
        }
        words[i][length] = '\0';
    }
    if (words == NULL) {
        return -1;
    }

    int messages[2];
    if (pipe2(messages, O_CLOEXEC) != 0) {
        return -1;
    }
    /* posix_spawn (a vfork underneath): no copy of this process's page tables for a child that only execs. */
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, messages[1], 2);
    pid_t compiler;
    int spawned = posix_spawnp(&compiler, words[0], &actions, NULL, words, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(messages[1]);
    if (spawned != 0) {
        /* As a shell would say it; the compile failed to start, which is the build's answer (farm-cc's too). */
        close(messages[0]);
        fprintf(stderr, "farm-cc: cannot run %s: %s\n", words[0], strerror(spawned));
        struct buffer result = {0};
        put_u32(&result, 127);
        put_u32(&result, 0);
        if (!result.failed) {
            send_all(fd, result.data, result.length);
        }
        free(result.data);
        return 127;
    }
    struct buffer kept = {0};
    int too_long = 0;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(messages[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        write_all(2, chunk, (size_t)n);
        if (!too_long) {
            put(&kept, chunk, (size_t)n);
            too_long = kept.failed;
        }
    }
    close(messages[0]);
    int status = 0;
    while (waitpid(compiler, &status, 0) < 0 && errno == EINTR) {
    }
    int exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);

    struct buffer result = {0};
    put_u32(&result, (uint32_t)exit_code);
    put_u32(&result, too_long ? UINT32_MAX : (uint32_t)kept.length);
    if (!too_long && kept.length > 0) {
        put(&result, kept.data, kept.length);
    }
    if (!result.failed) {
        send_all(fd, result.data, result.length);
    }
    free(kept.data);
    free(result.data);
    return exit_code;
}

int main(int argc, char **argv)
{
    if (find_core() != 0) {
        strcpy(core, "farm-cc");
    }
    const char *helper = getenv("FARM_CACHE_HELPER");
    const char *directory = getenv("FARM_CACHE_DIR");
    const char *broker = getenv("FARM_CACHE_SOCKET");
    const char *redis = getenv("FARM_CACHE_REDIS");
    /* No helper: farm-cc's own options (--help, --serve), no local cache, the worker's sandbox, a cache with Redis
       (the helper would send every compile back: a local miss must look in Redis), or turned off. */
    if (argc < 2 || argv[1][0] == '-' || directory == NULL || directory[0] == '\0' || (broker != NULL && broker[0] != '\0')
        || (redis != NULL && redis[0] != '\0') || (helper != NULL && strcmp(helper, "0") == 0)) {
        run_farm_cc(argv);
    }

    struct stat program;
    char socket_path[sizeof ((struct sockaddr_un *)0)->sun_path];
    char dir[sizeof socket_path];
    if (stat(core, &program) != 0 || socket_directory(dir, sizeof dir) != 0) {
        run_farm_cc(argv);
    }
    int n = snprintf(socket_path, sizeof socket_path, "%s/%lx-%lx-%lx-%lx.sock", dir, (unsigned long)program.st_dev,
        (unsigned long)program.st_ino, (unsigned long)program.st_size, (unsigned long)program.st_mtime);
    if (n <= 0 || (size_t)n >= sizeof socket_path - 8) {
        run_farm_cc(argv);
    }

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, socket_path);
    if (fd < 0) {
        run_farm_cc(argv);
    }
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        if (errno == ENOENT || errno == ECONNREFUSED) {
            start_helper(socket_path);
        }
        run_farm_cc(argv);
    }

    /* The helper must be this user's own process: another user's socket in a directory we checked is not possible,
       but the check costs one call. */
    struct ucred peer;
    socklen_t peer_length = sizeof peer;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_length) != 0 || peer.uid != geteuid()) {
        run_farm_cc(argv);
    }

    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == NULL) {
        run_farm_cc(argv);
    }
    struct buffer request = {0};
    put(&request, MAGIC, 4);
    put_string(&request, cwd);
    put_u32(&request, (uint32_t)(argc - 1));
    for (int i = 1; i < argc; i++) {
        put_string(&request, argv[i]);
    }
    uint32_t variables = 0;
    for (char **e = environ; *e != NULL; e++) {
        variables += wanted(*e) ? 1 : 0;
    }
    put_u32(&request, variables);
    for (char **e = environ; *e != NULL; e++) {
        if (wanted(*e)) {
            put_string(&request, *e);
        }
    }
    if (request.failed || send_all(fd, request.data, request.length) != 0) {
        run_farm_cc(argv);
    }
    free(request.data);

    /* Every wait ends: a helper that does not answer in time leaves the compile to farm-cc. Once the compiler ran here,
       the compile is done whatever the helper does next: its exit code is the answer, and it never runs twice. */
    struct timeval timeout = {.tv_sec = ANSWER_TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    int ran = -1;
    for (;;) {
        unsigned char status;
        if (receive_all(fd, &status, 1) != 0 || (status != ANSWERED && status != RUN)) {
            break;
        }
        if (status == RUN) {
            if (ran >= 0) {
                break;
            }
            ran = run_compiler(fd);
            if (ran < 0) {
                break;
            }
            continue;
        }
        uint32_t exit_code, stderr_length;
        char *messages;
        if (receive_u32(fd, &exit_code) != 0 || receive_u32(fd, &stderr_length) != 0 || stderr_length > MAX_REQUEST
            || (messages = malloc(stderr_length + 1)) == NULL || receive_all(fd, messages, stderr_length) != 0) {
            break;
        }
        close(fd);
        write_all(2, messages, stderr_length);
        return (int)(exit_code & 0xff);
    }
    if (ran >= 0) {
        return ran;
    }
    run_farm_cc(argv);
}
