#pragma once

// Where the daemon's threads run ([service] core_cpu, io_cpu, busy_poll). The core thread
// (books, strategies, risk, OMS) can have a CPU of its own, and the I/O threads (feeds, venue
// requests, user data streams, the journal writer, the poller, the listeners) the others, so
// that a commit or a TLS read never preempts the core between a market event and its order.
//
// Linux gives a new thread the CPUs of the thread that starts it. So the daemon's main thread
// enters the I/O CPUs before it starts anything (every thread it starts then runs there), and
// takes the core CPU for itself only once everything is started; whatever it starts later
// (a reload) it starts inside an IoScope.

#include <sched.h>

#include <string>

#include "engine/core/time.h"

namespace sigex {

struct ThreadPlacementConfig {
  int core_cpu = -1;       // -1: the core thread runs wherever the kernel puts it
  int io_cpu = -1;         // -1: every CPU but core_cpu (all of them without core_cpu)
  bool busy_poll = false;  // the core thread polls its queue instead of sleeping (core_cpu set)
  // io_poll_us: after each hand-over from the core thread (a journal batch, a venue command)
  // the thread that took it polls for the next one this long before it sleeps (HandOverPoll).
  DurationNs io_poll_ns = 0;
};

class ThreadPlacement {
 public:
  // Checks the CPUs against those this process may run on (sched_getaffinity: a systemd
  // CPUAffinity= or taskset narrows them). False with `error` naming the key and the CPUs there
  // are.
  bool prepare(const ThreadPlacementConfig& config, std::string& error);

  bool pins_core() const { return config_.core_cpu >= 0; }
  bool pins_io() const { return pins_core() || config_.io_cpu >= 0; }
  bool busy_poll() const { return config_.busy_poll; }
  DurationNs io_poll_ns() const { return config_.io_poll_ns; }

  // The calling thread, and every thread it starts from now on, runs on the I/O CPUs.
  void enter_io() const;
  // enter_io() for every thread of the process there is now (the logger's, started before
  // the configuration was read, too).
  void move_process_to_io() const;
  // The calling thread runs on the core CPU alone.
  void enter_core() const;

  // "core thread on CPU 0, I/O threads on CPUs 1-3, busy-polling" (for the log and ctl status).
  std::string describe() const;

  // While it lives, the thread that made it runs on the I/O CPUs (so that the threads it starts
  // do not share the core's CPU); then it gets back the CPUs it had.
  class IoScope {
   public:
    explicit IoScope(const ThreadPlacement& placement);
    ~IoScope();
    IoScope(const IoScope&) = delete;
    IoScope& operator=(const IoScope&) = delete;

   private:
    bool moved_;
    cpu_set_t previous_{};
  };

 private:
  ThreadPlacementConfig config_;
  cpu_set_t allowed_{};  // what the process was started with
  cpu_set_t io_{};
};

// "0-1,3" for a CPU set (the kernel's cpu-list form, as taskset and /proc show it).
std::string cpu_list_text(const cpu_set_t& set);
// The CPUs the calling thread may run on.
cpu_set_t current_thread_cpus();

}  // namespace sigex
