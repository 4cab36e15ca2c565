/*
 * The floor under the issue 6 figures: the least a client can spend on this machine to connect MQTT devices (one TCP
 * connection each) and publish from them, written in C with no runtime at all. One thread, epoll, a 1 ms tick:
 * devices connect at `rate` per second (non-blocking connect, then a pre-encoded CONNECT; a refused or failed attempt
 * is tried again a second later), and once every device is online each one's PUBLISH is pre-encoded (fixed topic and
 * payload size), written with one write() when due, and its PUBACK (QoS 1) read back. No device modelling, no JSON,
 * no metrics: whatever it costs is the kernel's (TCP on loopback, epoll, syscalls) plus a few instructions.
 *
 *   mqtt-floor <host> <port> <devices> <connects-per-s> <every-ms, 0: idle> <qos 0|1> <payload-bytes>
 *
 * Runs until killed; prints a line to stderr when every device is online.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { IDLE, CONNECTING, AWAIT_CONNACK, ONLINE };

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

/* MQTT remaining length, variable-length encoded; returns bytes written. */
static int put_len(unsigned char *p, int n) {
  int i = 0;
  do {
    unsigned char b = n % 128;
    n /= 128;
    if (n > 0) b |= 128;
    p[i++] = b;
  } while (n > 0);
  return i;
}

static int n, ep, failed;
static int *fd;
static unsigned char *state;
static double *retry_at;
static struct sockaddr_in addr;

static void start(int i) {
  fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd[i], (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
    close(fd[i]);
    state[i] = IDLE;
    retry_at[i] = now_s() + 1;
    failed++;
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = i};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev);
  state[i] = CONNECTING;
}

static void fail(int i) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd[i], NULL);
  close(fd[i]);
  state[i] = IDLE;
  retry_at[i] = now_s() + 1;
  failed++;
}

static void send_connect(int i) {
  char id[32];
  int idlen = snprintf(id, sizeof id, "floor-%06d", i);
  unsigned char c[64];
  int k = 0;
  c[k++] = 0x10;
  k += put_len(c + k, 10 + 2 + idlen);
  memcpy(c + k, "\0\4MQTT\4\2\0\0", 10); /* protocol 3.1.1, clean session, keepalive 0 */
  k += 10;
  c[k++] = idlen >> 8;
  c[k++] = idlen & 255;
  memcpy(c + k, id, idlen);
  k += idlen;
  if (write(fd[i], c, k) != k) {
    fail(i);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
  epoll_ctl(ep, EPOLL_CTL_MOD, fd[i], &ev);
  state[i] = AWAIT_CONNACK;
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: %s host port devices connects-per-s every-ms qos payload-bytes\n", argv[0]);
    return 2;
  }
  n = atoi(argv[3]);
  double rate = atof(argv[4]);
  int every = atoi(argv[5]), qos = atoi(argv[6]), payload = atoi(argv[7]);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(atoi(argv[2]));
  inet_pton(AF_INET, argv[1], &addr.sin_addr);
  fd = calloc(n, sizeof(int));
  state = calloc(n, 1);
  retry_at = calloc(n, sizeof(double));
  double *due = calloc(n, sizeof(double));
  unsigned short *pid = calloc(n, sizeof(unsigned short));
  ep = epoll_create1(0);

  /* One pre-encoded PUBLISH: topic "floor/t", `payload` bytes; the packet id (QoS 1) is patched per message. */
  const char *topic = "floor/t";
  int tl = strlen(topic), rl = 2 + tl + (qos ? 2 : 0) + payload;
  unsigned char *pub = malloc(8 + rl);
  int k = 0;
  pub[k++] = qos ? 0x32 : 0x30;
  k += put_len(pub + k, rl);
  pub[k++] = 0;
  pub[k++] = tl;
  memcpy(pub + k, topic, tl);
  k += tl;
  int idat = k;
  if (qos) k += 2;
  memset(pub + k, 'x', payload);
  k += payload;
  int publen = k;

  double t0 = now_s(), t_all = 0;
  int launched = 0, online = 0, cur = 0;
  unsigned char buf[65536];
  struct epoll_event evs[1024];
  for (;;) {
    double t = now_s();
    /* Arrivals at `rate`, then retries of failed attempts a second after they failed. */
    for (long due_n = (long)((t - t0) * rate); launched < n && launched < due_n; launched++) start(launched);
    if (failed > 0)
      for (int i = 0; i < launched; i++)
        if (state[i] == IDLE && retry_at[i] <= t) {
          failed--;
          start(i);
        }
    if (online == n && every > 0) {
      /* Devices fall due in index order, cyclically (same interval, evenly spread): a cursor, no scan. */
      for (int i = cur; due[i] <= t - t_all; i = cur) {
        cur = cur + 1 == n ? 0 : cur + 1;
        if (qos) {
          pid[i] = pid[i] == 65535 ? 1 : pid[i] + 1;
          pub[idat] = pid[i] >> 8;
          pub[idat + 1] = pid[i] & 255;
        }
        if (write(fd[i], pub, publen) != publen) return 1;
        due[i] += every / 1000.0;
      }
    }
    int m = epoll_wait(ep, evs, 1024, 1);
    for (int j = 0; j < m; j++) {
      int i = evs[j].data.u32;
      if (state[i] == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd[i], SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0 || (evs[j].events & (EPOLLERR | EPOLLHUP))) fail(i);
        else send_connect(i);
        continue;
      }
      ssize_t r = read(fd[i], buf, sizeof buf);
      if (r <= 0) {
        if (r < 0 && errno == EAGAIN) continue;
        if (state[i] == ONLINE) return 1; /* the broker closed an online device: not a floor any more */
        fail(i);
        continue;
      }
      if (state[i] == AWAIT_CONNACK) {
        if (r < 4 || buf[0] != 0x20 || buf[3] != 0) {
          fail(i);
          continue;
        }
        state[i] = ONLINE;
        if (++online == n) {
          t_all = now_s();
          for (int d = 0; d < n; d++) due[d] = (double)d * every / n / 1000.0; /* spread evenly over one interval */
          fprintf(stderr, "mqtt-floor: %d online after %.2f s\n", n, t_all - t0);
        }
      } /* ONLINE: PUBACKs, read and dropped */
    }
  }
}
