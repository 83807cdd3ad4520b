#include "engine/exe/process_signals.h"

#include <atomic>

namespace sigex {
namespace {

// A signal handler can reach nothing but these (one process, one set of handlers).
std::atomic<int> g_stop_signal{0};
std::atomic<bool> g_reload_requested{false};

extern "C" void on_stop_signal(int signal_number) { g_stop_signal.store(signal_number); }
extern "C" void on_reload_signal(int) { g_reload_requested.store(true); }

}  // namespace

ProcessSignals::ProcessSignals(Reload reload) : reload_(reload) {
  g_stop_signal.store(0);
  g_reload_requested.store(false);
  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_stop_signal;
  sigaction(SIGTERM, &action, &previous_term_);
  sigaction(SIGINT, &action, &previous_int_);
  if (reload_ == Reload::kOnSighup) {
    action.sa_handler = on_reload_signal;
    sigaction(SIGHUP, &action, &previous_hup_);
  }
  action.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &action, &previous_pipe_);
}

ProcessSignals::~ProcessSignals() {
  sigaction(SIGTERM, &previous_term_, nullptr);
  sigaction(SIGINT, &previous_int_, nullptr);
  if (reload_ == Reload::kOnSighup) sigaction(SIGHUP, &previous_hup_, nullptr);
  sigaction(SIGPIPE, &previous_pipe_, nullptr);
}

int ProcessSignals::take_stop() const { return g_stop_signal.exchange(0); }

bool ProcessSignals::take_reload() const { return g_reload_requested.exchange(false); }

}  // namespace sigex
