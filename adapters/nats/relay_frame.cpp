#include "adapters/nats/relay_frame.h"

#include "adapters/net/digest.h"

namespace sigex {
namespace {

constexpr std::string_view kSubjectKey = "{\"relay\":\"";
constexpr std::string_view kDataKey = "\",\"data\":\"";

}  // namespace

std::string relay_frame(std::string_view subject, std::string_view message) {
  std::string frame;
  frame.reserve(kSubjectKey.size() + subject.size() + kDataKey.size() + message.size() * 4 / 3 + 8);
  frame.append(kSubjectKey).append(subject).append(kDataKey);
  frame.append(base64_encode(message)).append("\"}");
  return frame;
}

// <market_subject>.<venue>.<SYMBOL>: the instrument of that venue, else of that symbol.
const Instrument* RelayFrameParser::instrument_of(std::string_view subject) const {
  const auto last_dot = subject.rfind('.');
  if (last_dot == std::string_view::npos) return nullptr;
  const std::string_view symbol = subject.substr(last_dot + 1);
  const std::string_view before = subject.substr(0, last_dot);
  const std::string_view venue = before.substr(before.rfind('.') + 1);
  for (const Instrument& instrument : instruments_.all()) {
    if (instrument.venue.view() == venue && instrument.symbol.view() == symbol) return &instrument;
  }
  return instruments_.find_by_symbol(symbol);
}

RelayFrameParser::Subject& RelayFrameParser::subject(std::string_view name) {
  if (const auto found = subjects_.find(name); found != subjects_.end()) return found->second;
  return subjects_.emplace(std::string(name), Subject{instrument_of(name), {}}).first->second;
}

// Signals and grades: by token, as NatsSignalSubscriber hands them on (the gate drops repeats).
Result<std::size_t> RelayFrameParser::parse_signals(RelayMessage& message,
                                                    std::vector<InboundEvent>& out) const {
  std::size_t added = 0;
  for (InboundEvent& event : message.events) {
    const Instrument* instrument = instruments_.find_by_token(record_token(event));
    if (instrument == nullptr) continue;
    set_record_instrument(event, instrument->id);
    out.push_back(event);
    ++added;
  }
  if (added == 0) return fail(Errc::kUnknownInstrument, "relay signal of a token not traded");
  return added;
}

Result<std::size_t> RelayFrameParser::parse(std::string_view frame, TimeNs receive_time_ns,
                                            std::vector<InboundEvent>& out) {
  if (!recognises(frame) || !frame.ends_with("\"}"))
    return fail(Errc::kSyntax, "not a relay line {\"relay\":SUBJECT,\"data\":BASE64}");
  const std::string_view body =
      frame.substr(kSubjectKey.size(), frame.size() - 2 - kSubjectKey.size());
  const auto data_at = body.find(kDataKey);
  if (data_at == std::string_view::npos)
    return fail(Errc::kMissingField, "relay line without \"data\"");
  const std::string_view subject = body.substr(0, data_at);
  const auto bytes = base64_decode(body.substr(data_at + kDataKey.size()));
  if (!bytes) return fail(Errc::kSyntax, "relay line: \"data\" is not base64");
  auto message = decode_relay_message(*bytes);
  if (!message) return fail(Errc::kSyntax, "relay line: not a relay message of this version");
  if (message->kind == MarketEventKind::kTradingSignal || message->kind == MarketEventKind::kGrade)
    return parse_signals(*message, out);
  Subject& state = this->subject(subject);
  const Instrument* instrument = state.instrument;
  if (instrument == nullptr) return fail(Errc::kUnknownInstrument, "relay subject");
  if (!relay_scale_mismatch(*message, *instrument).empty()) {
    return fail(Errc::kOutOfRange,
                "relay line: the relay's instrument has other price or quantity decimals than "
                "this configuration's (price_scale, quantity_scale)");
  }
  const RelaySequence::Step step = state.sequence.accept(*message);
  std::size_t added = 0;
  if (step != RelaySequence::Step::kInSequence) {
    InboundEvent reset;
    reset.kind = MarketEventKind::kMarketDataReset;
    reset.reset =
        MarketDataReset{instrument->id,
                        step == RelaySequence::Step::kFirst ? FeedResetReason::kSubscribed
                                                            : FeedResetReason::kSequenceGap,
                        receive_time_ns};
    out.push_back(reset);
    ++added;
  }
  for (InboundEvent& event : message->events) {
    set_record_instrument(event, instrument->id);
    out.push_back(event);  // with the relay's receive time, as the live engine saw it
    ++added;
  }
  return added;
}

}  // namespace sigex
