/*
 * The floor under the issue 6 throughput figures: the least a client can spend on this machine to publish MQTT
 * messages over one TCP connection per device, written in C with no runtime at all. One thread, epoll, a 1 ms tick;
 * every device's PUBLISH is pre-encoded (fixed topic and payload size), written with one write() when due, and its
 * PUBACK (QoS 1) read back. It does no device modelling, no JSON, no metrics: whatever it costs is the kernel's
 * (TCP on loopback, epoll, syscalls) plus a few instructions.
 *
 *   mqtt-floor <host> <port> <devices> <every-ms> <qos 0|1> <warmup-s> <measure-s> <payload-bytes>
 *
 * Prints one JSON line: connections made, messages written and acked in the window, CPU seconds (getrusage, user and
 * system) in the window, and the wall time of the window.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
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

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: %s host port devices every-ms qos warmup-s measure-s payload-bytes\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int port = atoi(argv[2]), n = atoi(argv[3]), every = atoi(argv[4]), qos = atoi(argv[5]);
  double warmup = atof(argv[6]), measure = atof(argv[7]);
  int payload = atoi(argv[8]);
  int *fd = calloc(n, sizeof(int));
  double *due = calloc(n, sizeof(double));
  unsigned short *pid = calloc(n, sizeof(unsigned short));
  int ep = epoll_create1(0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, host, &a.sin_addr);

  /* Connect every device (blocking, one after another: the connect rate is not what this measures). */
  for (int i = 0; i < n; i++) {
    fd[i] = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd[i], (struct sockaddr *)&a, sizeof a) != 0) {
      perror("connect");
      return 1;
    }
    char id[32];
    int idlen = snprintf(id, sizeof id, "floor-%06d", i);
    unsigned char c[64];
    int rl = 10 + 2 + idlen, k = 0;
    c[k++] = 0x10;
    k += put_len(c + k, rl);
    memcpy(c + k, "\0\4MQTT\4\2\0\0", 10); /* protocol 3.1.1, clean session, keepalive 0 */
    k += 10;
    c[k++] = idlen >> 8;
    c[k++] = idlen & 255;
    memcpy(c + k, id, idlen);
    k += idlen;
    if (write(fd[i], c, k) != k) return 1;
    unsigned char ack[4];
    if (read(fd[i], ack, 4) != 4 || ack[0] != 0x20 || ack[3] != 0) {
      fprintf(stderr, "no CONNACK for %d\n", i);
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev);
    due[i] = (double)i * every / n / 1000.0; /* spread evenly over one interval */
  }

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

  double t0 = now_s(), start = t0 + warmup, end = start + measure, c0 = 0, w0 = 0;
  long sent = 0, acked = 0, sent0 = 0, acked0 = 0;
  int measuring = 0, cur = 0;
  unsigned char buf[65536];
  struct epoll_event evs[1024];
  for (;;) {
    double t = now_s() - t0;
    if (!measuring && t0 + t >= start) {
      measuring = 1;
      c0 = cpu_s();
      w0 = now_s();
      sent0 = sent;
      acked0 = acked;
    }
    if (t0 + t >= end) break;
    /* Devices fall due in index order, cyclically (same interval, evenly spread): a cursor, no scan. */
    for (int i = cur; due[i] <= t; i = cur) {
      cur = cur + 1 == n ? 0 : cur + 1;
      if (qos) {
        pid[i] = pid[i] == 65535 ? 1 : pid[i] + 1;
        pub[idat] = pid[i] >> 8;
        pub[idat + 1] = pid[i] & 255;
      }
      if (write(fd[i], pub, publen) != publen) return 1;
      sent++;
      due[i] += every / 1000.0;
    }
    int m = epoll_wait(ep, evs, 1024, 1);
    for (int j = 0; j < m; j++) {
      ssize_t r = read(fd[evs[j].data.u32], buf, sizeof buf);
      if (r > 0) acked += r / 4; /* PUBACKs are 4 bytes */
    }
  }
  double cpu = cpu_s() - c0, wall = now_s() - w0;
  printf("{\"connections\":%d,\"sent\":%ld,\"acked\":%ld,\"cpuS\":%.3f,\"wallS\":%.3f}\n", n, sent - sent0, acked - acked0, cpu, wall);
  return 0;
}
