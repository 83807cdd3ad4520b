#include "engine/exe/record_command.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "adapters/nats/signal_subscriber.h"
#include "adapters/recorded/frame_recorder.h"
#include "adapters/token_metrics/signal_poller.h"
#include "engine/book/order_book.h"
#include "engine/core/live_clock.h"
#include "engine/exe/intake_setup.h"
#include "engine/exe/process_signals.h"
#include "engine/exe/venue_sets.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {}  // namespace

std::string sibling_recording_path(const std::string& out_path, std::string_view tag) {
  std::string stem = out_path;
  for (const std::string suffix : {".gz", ".jsonl"}) {
    if (stem.size() > suffix.size() && stem.ends_with(suffix))
      stem.resize(stem.size() - suffix.size());
  }
  return stem + "-" + std::string(tag) + ".jsonl.gz";
}

std::string default_signals_path(const std::string& out_path) {
  return sibling_recording_path(out_path, "signals");
}

int run_record(const AppConfig& config, const RecordOptions& options) {
  LiveClock clock;
  std::string error;
  // Token Metrics polling, when configured: token ids are resolved before the registry exists.
  const TokenMetricsConfig& tm = config.token_metrics;
  // Signals are recorded when polled here or read from a relay ([signals] source = "nats").
  const bool records_signals = tm.enabled || config.signals_from_relay;
  TokenMetricsIntake intake;
  InstrumentRegistry instruments;
  if (!prepare_live_instruments(config, clock, intake, instruments, error)) {
    log_error("{}", error);
    return 1;
  }
  // One recording per feed: a file's receive times must only go forward, and two feeds'
  // threads cannot promise that in one file. The first feed's goes to out_path, each other's
  // beside it ("session.jsonl.gz" -> "session-coinbase.jsonl.gz").
  std::vector<std::unique_ptr<FrameRecorder>> recorders;
  std::vector<std::string> paths;
  for (const auto& feed : config.market_data.feeds) {
    paths.push_back(paths.empty() ? options.out_path
                                  : sibling_recording_path(options.out_path, feed->venue()));
    recorders.push_back(std::make_unique<FrameRecorder>());
    if (!recorders.back()->open(paths.back(), error)) {
      log_error("{}", error);
      return 1;
    }
  }
  const auto frames_written = [&recorders] {
    std::uint64_t frames = 0;
    for (const auto& recorder : recorders) frames += recorder->frames_written();
    return frames;
  };
  FrameRecorder signal_recorder;
  const std::string signals_path = options.signals_out_path.empty()
                                       ? default_signals_path(options.out_path)
                                       : options.signals_out_path;
  if (records_signals && !signal_recorder.open(signals_path, error)) {
    log_error("{}", error);
    return 1;
  }
  // Producers: the market data feeds and the Token Metrics poller. Every venue's frames go
  // into the one recording (a backtest tells them apart by their shape).
  EventQueue<InboundEvent> queue(config.market_data.queue_capacity,
                                 FeedSet::producers(config.market_data) + 1);
  FeedSet feed(config.market_data, instruments, queue, clock, config.nats);
  for (std::size_t i = 0; i < feed.size(); ++i) {
    feed.member(i).set_frame_sink(
        [recorder = recorders[i].get()](TimeNs time_ns, std::string_view frame) {
          recorder->record(time_ns, frame);
        });
  }
  if (!feed.start(error)) {
    log_error("{}", error);
    return 1;
  }
  std::unique_ptr<NatsSignalSubscriber> relayed_signals;
  if (config.signals_from_relay) {
    relayed_signals =
        std::make_unique<NatsSignalSubscriber>(config.nats, instruments, queue, clock);
    relayed_signals->set_frame_sink([&signal_recorder](TimeNs time_ns, std::string_view frame) {
      signal_recorder.record(time_ns, frame);
    });
    if (!relayed_signals->start(error)) {
      log_error("{}", error);
      feed.stop();
      return 1;
    }
  }
  std::unique_ptr<SignalPoller> poller;
  if (tm.enabled) {
    poller = make_signal_poller(config, instruments, queue, clock, intake);
    poller->set_frame_sink([&signal_recorder](TimeNs time_ns, std::string_view frame) {
      signal_recorder.record(time_ns, frame);
    });
    if (!poller->start(error)) {
      log_error("{}", error);
      feed.stop();
      return 1;
    }
  }
  const ProcessSignals signals(ProcessSignals::Reload::kNo);

  std::vector<BookSync> books(instruments.size());
  std::vector<InboundEvent> batch(4096);
  std::uint64_t events = 0;
  const auto started = std::chrono::steady_clock::now();
  auto deliver = [&](const InboundEvent& event) {
    ++events;
    if (options.on_event) options.on_event(event);
    if (event.kind == MarketEventKind::kMarketDataReset) {
      if (books[event.reset.instrument].invalidate()) feed.request_resync(event.reset.instrument);
    } else if (event.kind == MarketEventKind::kDepthLevel) {
      if (books[event.depth.instrument].on_level(event.depth)) {
        feed.request_resync(event.depth.instrument);
      }
    }
  };
  ProgressLine progress(options.progress, options.progress_out);
  auto next_progress = started;
  while (signals.take_stop() == 0) {
    if (options.stop_when && options.stop_when()) break;
    if (progress.enabled() && std::chrono::steady_clock::now() >= next_progress) {
      next_progress += std::chrono::seconds(5);
      const FeedHealth health = feed.health();
      const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now() - started)
                               .count();
      progress.update(fmt::format(
          "record: {:02}:{:02}:{:02} {}, {} frames, {} events, {} reconnects{}", elapsed / 3600,
          elapsed / 60 % 60, elapsed % 60, health.state, frames_written(), events,
          health.reconnects,
          poller ? fmt::format(", {} Token Metrics pages", signal_recorder.frames_written()) : ""));
    }
    if (options.duration_s &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            *options.duration_s) {
      break;
    }
    const std::size_t count = queue.drain(batch.data(), batch.size());
    for (std::size_t i = 0; i < count; ++i) deliver(batch[i]);
    if (count == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // idle core
  }
  progress.finish();
  intake.waiter.stop();
  if (poller) poller->stop();
  if (relayed_signals) relayed_signals->stop();
  feed.stop();
  // Everything the feed handed over before it stopped belongs to the recording.
  for (std::size_t count = queue.drain(batch.data(), batch.size()); count > 0;
       count = queue.drain(batch.data(), batch.size())) {
    for (std::size_t i = 0; i < count; ++i) deliver(batch[i]);
  }
  bool written = true;
  for (const auto& recorder : recorders) {
    if (recorder->close()) continue;
    log_error("{}", recorder->error());
    written = false;
  }
  if (records_signals && !signal_recorder.close()) {
    log_error("{}", signal_recorder.error());
    written = false;
  }
  // A frame holding a newline cannot be one line of the recording: it is left out, and said.
  std::vector<const FrameRecorder*> all_recorders{&signal_recorder};
  for (const auto& recorder : recorders) all_recorders.push_back(recorder.get());
  for (const FrameRecorder* refusing : all_recorders) {
    if (refusing->frames_refused() > 0) {
      log_warn(
          "{} frame(s) with a line break inside were not recorded (the format is one frame per "
          "line)",
          refusing->frames_refused());
    }
  }
  if (!options.quiet) {
    std::string streams = feed.summary();
    for (const auto& instrument : instruments.all()) {
      const BookCounters& book = books[instrument.id].counters();
      streams +=
          fmt::format("\n  {:<28} book {}: {} updates, {} gaps, {} out of order, {} resyncs",
                      instrument.symbol.view(), to_string(books[instrument.id].status()),
                      book.messages_applied, book.gaps, book.out_of_order, book.resyncs_requested);
    }
    if (relayed_signals) {
      streams +=
          fmt::format("\n  signals from the relay: {} received, {} lines written to {}",
                      relayed_signals->received(), signal_recorder.frames_written(), signals_path);
    }
    if (poller) {
      const TmPollerMetrics tm_metrics = poller->metrics();
      streams += fmt::format(
          "\n  Token Metrics: {} calls, {} records, {} unchanged, {} pages written to {}{}",
          tm_metrics.client.calls, tm_metrics.records_emitted, tm_metrics.records_unchanged,
          signal_recorder.frames_written(), signals_path,
          tm_metrics.halted ? "; HALTED: " + tm_metrics.halt_reason : "");
    }
    std::string written_to;
    std::uint64_t refused = 0;
    for (std::size_t i = 0; i < recorders.size(); ++i) {
      written_to += fmt::format("{}{}", i == 0 ? "" : " and ", paths[i]);
      refused += recorders[i]->frames_refused();
    }
    std::printf("%s\n",
                fmt::format("sigex record: {} frames written to {}, {} refused ({} events; {}",
                            frames_written(), written_to, refused, events, streams)
                    .c_str());
  }
  return written ? 0 : 1;
}

}  // namespace sigex
