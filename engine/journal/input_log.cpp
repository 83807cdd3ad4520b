#include "engine/journal/input_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>
#include <type_traits>

#include <fmt/format.h>

#include "engine/core/errno_text.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

// The header pins the layout: a file is read only by a build with the same record sizes.
constexpr char kMagic[8] = {'S', 'I', 'G', 'E', 'X', 'I', 'N', '1'};
constexpr std::uint32_t kFormatVersion = 2;  // 2: instruments name their venue
constexpr std::uint8_t kRunStartRecord = 1;
constexpr std::uint8_t kControlRecord = 4;
constexpr std::uint8_t kRunEndRecord = 5;
constexpr std::uint8_t kSegmentStartRecord = 6;
constexpr std::uint32_t kMaxPayload = 64u << 20;  // a configuration file is far smaller
constexpr std::size_t kBufferBytes = 1u << 20;

static_assert(std::is_trivially_copyable_v<Instrument>);

struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t event_size;
  std::uint32_t instrument_size;
};

// Payload encoding: little-endian host integers and length-prefixed strings.
class PayloadWriter {
 public:
  template <typename T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    bytes_.append(reinterpret_cast<const char*>(&value), sizeof(value));
  }
  void put_text(const std::string& text) {
    put(static_cast<std::uint32_t>(text.size()));
    bytes_ += text;
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class PayloadReader {
 public:
  explicit PayloadReader(const std::string& bytes) : bytes_(bytes) {}
  template <typename T>
  bool get(T& value) {
    if (bytes_.size() - position_ < sizeof(T)) return false;
    std::memcpy(&value, bytes_.data() + position_, sizeof(T));
    position_ += sizeof(T);
    return true;
  }
  bool get_text(std::string& text) {
    std::uint32_t size = 0;
    if (!get(size) || bytes_.size() - position_ < size) return false;
    text.assign(bytes_.data() + position_, size);
    position_ += size;
    return true;
  }
  bool at_end() const { return position_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  std::size_t position_ = 0;
};

std::string encode(const RunStart& start) {
  PayloadWriter out;
  out.put(start.start_ns);
  out.put(static_cast<std::uint8_t>(start.paper ? 1 : 0));
  out.put(start.journal_orders);
  out.put_text(start.config_path);
  out.put_text(start.config_text);
  out.put(static_cast<std::uint32_t>(start.instruments.size()));
  for (const Instrument& instrument : start.instruments) out.put(instrument);
  return out.bytes();
}

bool decode(const std::string& bytes, RunStart& start) {
  PayloadReader in(bytes);
  std::uint8_t paper = 0;
  std::uint32_t count = 0;
  if (!in.get(start.start_ns) || !in.get(paper) || !in.get(start.journal_orders) ||
      !in.get_text(start.config_path) || !in.get_text(start.config_text) || !in.get(count)) {
    return false;
  }
  start.paper = paper != 0;
  start.instruments.resize(count);
  for (Instrument& instrument : start.instruments) {
    if (!in.get(instrument)) return false;
  }
  return in.at_end();
}

bool decode(const std::string& bytes, ControlAction& action) {
  PayloadReader in(bytes);
  std::uint8_t kind = 0;
  if (!in.get(kind) || !in.get_text(action.scope) || !in.get_text(action.state) ||
      !in.get_text(action.text) || !in.at_end()) {
    return false;
  }
  if (kind < static_cast<std::uint8_t>(ControlKind::kSetTradingState) ||
      kind > static_cast<std::uint8_t>(ControlKind::kReloadRisk)) {
    return false;
  }
  action.kind = static_cast<ControlKind>(kind);
  return true;
}

}  // namespace

std::FILE* InputLogWriter::open_segment(const std::filesystem::path& path, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "wbx");  // never overwrite another run's inputs
  if (file == nullptr) {
    error = fmt::format("input log: cannot create {}: {}", path.string(), errno_text(errno));
    return nullptr;
  }
  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.version = kFormatVersion;
  header.event_size = sizeof(InboundEvent);
  header.instrument_size = sizeof(Instrument);
  if (std::fwrite(&header, sizeof(header), 1, file) != 1) {
    error = fmt::format("input log: cannot write {}: {}", path.string(), errno_text(errno));
    std::fclose(file);
    return nullptr;
  }
  return file;
}

std::unique_ptr<InputLogWriter> InputLogWriter::create(
    const std::filesystem::path& directory, const RunStart& start, std::string& error,
    std::uint64_t segment_bytes, std::function<void(const std::filesystem::path&)> on_closed) {
  std::error_code code;
  std::filesystem::create_directories(directory, code);
  if (code) {
    error = fmt::format("input log: cannot create {}: {}", directory.string(), code.message());
    return nullptr;
  }
  const std::filesystem::path path = directory / input_log_file_name(start.start_ns, 0);
  std::FILE* file = open_segment(path, error);
  if (file == nullptr) return nullptr;
  std::unique_ptr<InputLogWriter> writer(new InputLogWriter(file, path));
  writer->directory_ = directory;
  writer->segment_bytes_ = segment_bytes;
  writer->run_start_ns_ = start.start_ns;
  writer->on_closed_ = std::move(on_closed);
  const std::string payload = encode(start);
  writer->write(kRunStartRecord, payload.data(), payload.size());
  writer->flush();
  if (writer->failed()) {
    error = fmt::format("input log: cannot write {}", path.string());
    return nullptr;
  }
  return writer;
}

void InputLogWriter::rotate() {
  if (std::fclose(file_) != 0) {
    file_ = nullptr;
    return fail("close");
  }
  file_ = nullptr;
  if (on_closed_) on_closed_(path_);
  ++segment_;
  path_ = directory_ / input_log_file_name(run_start_ns_, segment_);
  std::string error;
  file_ = open_segment(path_, error);
  if (file_ == nullptr) return fail("create the next segment");
  std::setvbuf(file_, buffer_.data(), _IOFBF, buffer_.size());
  segment_written_ = 0;
  SegmentStart next{run_start_ns_, segment_};
  PayloadWriter out;
  out.put(next.run_start_ns);
  out.put(next.segment);
  write(kSegmentStartRecord, out.bytes().data(), out.bytes().size());
}

InputLogWriter::InputLogWriter(std::FILE* file, std::filesystem::path path)
    : file_(file), path_(std::move(path)), buffer_(kBufferBytes) {
  std::setvbuf(file_, buffer_.data(), _IOFBF, buffer_.size());
}

InputLogWriter::~InputLogWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void InputLogWriter::control(const ControlAction& action) {
  PayloadWriter out;
  out.put(static_cast<std::uint8_t>(action.kind));
  out.put_text(action.scope);
  out.put_text(action.state);
  out.put_text(action.text);
  write(kControlRecord, out.bytes().data(), out.bytes().size());
  flush();
}

void InputLogWriter::end(TimeNs time_ns) {
  write(kRunEndRecord, &time_ns, sizeof(time_ns));
  if (file_ == nullptr) return;
  if (std::fclose(file_) != 0) fail("close");
  file_ = nullptr;
  if (!failed_ && on_closed_) on_closed_(path_);
}

void InputLogWriter::flush() {
  if (file_ != nullptr && !failed_ && std::fflush(file_) != 0) fail("flush");
}

void InputLogWriter::write(std::uint8_t kind, const void* payload, std::size_t size) {
  if (file_ == nullptr || failed_) return;
  const auto length = static_cast<std::uint32_t>(size);
  // Only the core thread writes this file: the unlocked stdio calls skip a lock per call.
  if (fwrite_unlocked(&kind, 1, 1, file_) != 1 ||
      fwrite_unlocked(&length, sizeof(length), 1, file_) != 1 ||
      (size > 0 && fwrite_unlocked(payload, size, 1, file_) != 1)) {
    fail("write");
    return;
  }
  ++records_;
  segment_written_ += 5 + size;
  // A new segment starts at a record boundary once this one is full (never after the end).
  if (segment_bytes_ > 0 && segment_written_ >= segment_bytes_ && kind != kRunEndRecord) rotate();
}

void InputLogWriter::fail(const char* what) {
  failed_ = true;
  log_error(
      "input log {}: {} failed ({}); the inputs of this run are no longer recorded "
      "(trading continues; sigex replay-check will report the run as incomplete)",
      path_.string(), what, errno_text(errno));
}

std::unique_ptr<InputLogReader> InputLogReader::open(const std::filesystem::path& path,
                                                     std::string& error) {
  std::unique_ptr<InputLogReader> reader(new InputLogReader(path));
  reader->file_.reset(gzopen(path.c_str(), "rb"));  // gzip or plain, read alike
  if (!reader->file_) {
    error = fmt::format("{}: cannot open: {}", path.string(), errno_text(errno));
    return nullptr;
  }
  FileHeader header{};
  if (!reader->read_exact(&header, sizeof(header)) ||
      std::memcmp(header.magic, kMagic, sizeof(kMagic)) != 0) {
    error = fmt::format("{}: not a sigex input log (no SIGEXIN1 header)", path.string());
    return nullptr;
  }
  if (header.version != kFormatVersion || header.event_size != sizeof(InboundEvent) ||
      header.instrument_size != sizeof(Instrument)) {
    error = fmt::format(
        "{}: written by an incompatible sigex build (format {}, record sizes {}/{}; this "
        "build reads format {} with {}/{})",
        path.string(), header.version, header.event_size, header.instrument_size, kFormatVersion,
        sizeof(InboundEvent), sizeof(Instrument));
    return nullptr;
  }
  InputRecord first;
  if (!reader->next(first, error) ||
      (!std::holds_alternative<RunStart>(first) && !std::holds_alternative<SegmentStart>(first))) {
    if (error.empty()) error = fmt::format("{}: the run's header record is missing", path.string());
    return nullptr;
  }
  if (const auto* segment = std::get_if<SegmentStart>(&first)) {
    reader->start_.start_ns = segment->run_start_ns;
    reader->segment_ = segment->segment;
  } else {
    reader->start_ = std::get<RunStart>(std::move(first));
  }
  return reader;
}

bool InputLogReader::read_exact(void* target, std::size_t size) {
  if (size == 0) return true;
  if (gzread(file_.get(), target, static_cast<unsigned>(size)) != static_cast<int>(size))
    return false;
  offset_ += size;
  return true;
}

bool InputLogReader::next(InputRecord& record, std::string& error) {
  const std::uint64_t record_offset = offset_;
  std::uint8_t kind = 0;
  if (!read_exact(&kind, 1)) return false;  // the end of the file
  std::uint32_t length = 0;
  if (!read_exact(&length, sizeof(length))) {
    truncated_ = true;
    return false;
  }
  if (length > kMaxPayload) {
    error = fmt::format("{}: byte {}: record of {} bytes is corrupt", path_.string(), record_offset,
                        length);
    return false;
  }
  std::string& payload = payload_;  // reused: no allocation per record while replaying
  payload.resize(length);
  if (!read_exact(payload.data(), length)) {
    truncated_ = true;
    return false;
  }
  auto corrupt = [&](const char* what) {
    error = fmt::format("{}: byte {}: corrupt {} record ({} bytes)", path_.string(), record_offset,
                        what, length);
    return false;
  };
  switch (kind) {
    case kRunStartRecord: {
      RunStart start;
      if (!decode(payload, start)) return corrupt("run start");
      record = std::move(start);
      return true;
    }
    case InputLogWriter::kEventRecord: {
      if (length != sizeof(InboundEvent)) return corrupt("event");
      InboundEvent event;
      std::memcpy(static_cast<void*>(&event), payload.data(), sizeof(event));
      if (static_cast<std::uint8_t>(event.kind) >
          static_cast<std::uint8_t>(MarketEventKind::kFundingRate)) {
        return corrupt("event");
      }
      record = event;
      return true;
    }
    case InputLogWriter::kTickRecord:
    case kRunEndRecord: {
      TimeNs time_ns = 0;
      if (length != sizeof(time_ns))
        return corrupt(kind == InputLogWriter::kTickRecord ? "clock tick" : "run end");
      std::memcpy(&time_ns, payload.data(), sizeof(time_ns));
      if (kind == InputLogWriter::kTickRecord) {
        record = ClockTick{time_ns};
      } else {
        record = RunEnd{time_ns};
      }
      return true;
    }
    case kControlRecord: {
      ControlAction action;
      if (!decode(payload, action)) return corrupt("operator action");
      record = std::move(action);
      return true;
    }
    case kSegmentStartRecord: {
      SegmentStart segment;
      PayloadReader in(payload);
      if (!in.get(segment.run_start_ns) || !in.get(segment.segment) || !in.at_end())
        return corrupt("segment start");
      record = segment;
      return true;
    }
    default:
      error =
          fmt::format("{}: byte {}: unknown record kind {}", path_.string(), record_offset, kind);
      return false;
  }
}

std::optional<InputLogName> parse_input_log_name(const std::string& file_name) {
  // run-<19 digits>.sigexin, run-<19 digits>.<segment>.sigexin, each optionally .gz
  InputLogName name;
  std::string_view rest(file_name);
  if (rest.ends_with(".gz")) {
    name.compressed = true;
    rest.remove_suffix(3);
  }
  if (!rest.starts_with("run-") || !rest.ends_with(".sigexin")) return std::nullopt;
  rest.remove_prefix(4);
  rest.remove_suffix(8);
  const auto digits = [](std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const auto dot = rest.find('.');
  const std::string_view start = rest.substr(0, dot);
  if (start.size() != 19 || !digits(start)) return std::nullopt;
  name.run_start_ns = std::stoll(std::string(start));
  if (dot != std::string_view::npos) {
    const std::string_view segment = rest.substr(dot + 1);
    if (!digits(segment) || segment.size() > 9) return std::nullopt;
    name.segment = static_cast<std::uint32_t>(std::stoul(std::string(segment)));
    if (name.segment == 0) return std::nullopt;
  }
  return name;
}

std::string input_log_file_name(TimeNs run_start_ns, std::uint32_t segment) {
  return segment == 0 ? fmt::format("run-{:019}.sigexin", run_start_ns)
                      : fmt::format("run-{:019}.{:06}.sigexin", run_start_ns, segment);
}

std::vector<std::filesystem::path> list_input_logs(const std::filesystem::path& directory) {
  std::vector<std::pair<InputLogName, std::filesystem::path>> found;
  std::error_code code;
  for (const auto& entry : std::filesystem::directory_iterator(directory, code)) {
    if (const auto name = parse_input_log_name(entry.path().filename().string()))
      found.emplace_back(*name, entry.path());
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first.run_start_ns, a.first.segment) <
           std::tie(b.first.run_start_ns, b.first.segment);
  });
  std::vector<std::filesystem::path> paths;
  for (std::size_t i = 0; i < found.size(); ++i) {
    // A segment both plain and compressed (compression stopped before removing the plain
    // file): the plain one is whole, the .gz may not be.
    if (i > 0 && found[i].first.run_start_ns == found[i - 1].first.run_start_ns &&
        found[i].first.segment == found[i - 1].first.segment) {
      if (!found[i].first.compressed) paths.back() = found[i].second;
      continue;
    }
    paths.push_back(found[i].second);
  }
  return paths;
}

}  // namespace sigex
