#include "engine/journal/input_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include <fmt/format.h>

#include "engine/logging/log.h"

namespace sigex {
namespace {

// The header pins the layout: a file is read only by a build with the same record sizes.
constexpr char kMagic[8] = {'S', 'I', 'G', 'E', 'X', 'I', 'N', '1'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::uint8_t kRunStartRecord = 1;
constexpr std::uint8_t kControlRecord = 4;
constexpr std::uint8_t kRunEndRecord = 5;
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

std::unique_ptr<InputLogWriter> InputLogWriter::create(const std::filesystem::path& directory,
                                                       const RunStart& start, std::string& error) {
  std::error_code code;
  std::filesystem::create_directories(directory, code);
  if (code) {
    error = fmt::format("input log: cannot create {}: {}", directory.string(), code.message());
    return nullptr;
  }
  const std::filesystem::path path = directory / fmt::format("run-{:019}.sigexin", start.start_ns);
  std::FILE* file = std::fopen(path.c_str(), "wbx");  // never overwrite another run's inputs
  if (file == nullptr) {
    error = fmt::format("input log: cannot create {}: {}", path.string(), std::strerror(errno));
    return nullptr;
  }
  std::unique_ptr<InputLogWriter> writer(new InputLogWriter(file, path));
  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.version = kFormatVersion;
  header.event_size = sizeof(InboundEvent);
  header.instrument_size = sizeof(Instrument);
  if (std::fwrite(&header, sizeof(header), 1, file) != 1) {
    error = fmt::format("input log: cannot write {}: {}", path.string(), std::strerror(errno));
    return nullptr;
  }
  const std::string payload = encode(start);
  writer->write(kRunStartRecord, payload.data(), payload.size());
  writer->flush();
  if (writer->failed()) {
    error = fmt::format("input log: cannot write {}", path.string());
    return nullptr;
  }
  return writer;
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
}

void InputLogWriter::flush() {
  if (file_ != nullptr && !failed_ && std::fflush(file_) != 0) fail("flush");
}

void InputLogWriter::write(std::uint8_t kind, const void* payload, std::size_t size) {
  if (file_ == nullptr || failed_) return;
  const auto length = static_cast<std::uint32_t>(size);
  // Only the core thread writes this file: the unlocked stdio calls skip a lock per call.
  if (fwrite_unlocked(&kind, 1, 1, file_) != 1 || fwrite_unlocked(&length, sizeof(length), 1, file_) != 1 ||
      (size > 0 && fwrite_unlocked(payload, size, 1, file_) != 1)) {
    fail("write");
    return;
  }
  ++records_;
}

void InputLogWriter::fail(const char* what) {
  failed_ = true;
  log_error("input log {}: {} failed ({}); the inputs of this run are no longer recorded "
            "(trading continues; sigex replay-check will report the run as incomplete)",
            path_.string(), what, std::strerror(errno));
}

std::unique_ptr<InputLogReader> InputLogReader::open(const std::filesystem::path& path, std::string& error) {
  std::unique_ptr<InputLogReader> reader(new InputLogReader(path));
  reader->file_.reset(std::fopen(path.c_str(), "rb"));
  if (!reader->file_) {
    error = fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno));
    return nullptr;
  }
  FileHeader header{};
  if (!reader->read_exact(&header, sizeof(header)) || std::memcmp(header.magic, kMagic, sizeof(kMagic)) != 0) {
    error = fmt::format("{}: not a sigex input log (no SIGEXIN1 header)", path.string());
    return nullptr;
  }
  if (header.version != kFormatVersion || header.event_size != sizeof(InboundEvent) ||
      header.instrument_size != sizeof(Instrument)) {
    error = fmt::format("{}: written by an incompatible sigex build (format {}, record sizes {}/{}; this "
                        "build reads format {} with {}/{})", path.string(), header.version, header.event_size,
                        header.instrument_size, kFormatVersion, sizeof(InboundEvent), sizeof(Instrument));
    return nullptr;
  }
  InputRecord first;
  if (!reader->next(first, error) || !std::holds_alternative<RunStart>(first)) {
    if (error.empty()) error = fmt::format("{}: the run's header record is missing", path.string());
    return nullptr;
  }
  reader->start_ = std::get<RunStart>(std::move(first));
  return reader;
}

bool InputLogReader::read_exact(void* target, std::size_t size) {
  if (size == 0) return true;
  if (std::fread(target, size, 1, file_.get()) != 1) return false;
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
    error = fmt::format("{}: byte {}: record of {} bytes is corrupt", path_.string(), record_offset, length);
    return false;
  }
  std::string& payload = payload_;  // reused: no allocation per record while replaying
  payload.resize(length);
  if (!read_exact(payload.data(), length)) {
    truncated_ = true;
    return false;
  }
  auto corrupt = [&](const char* what) {
    error = fmt::format("{}: byte {}: corrupt {} record ({} bytes)", path_.string(), record_offset, what, length);
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
      if (static_cast<std::uint8_t>(event.kind) > static_cast<std::uint8_t>(MarketEventKind::kMarketDataReset)) {
        return corrupt("event");
      }
      record = event;
      return true;
    }
    case InputLogWriter::kTickRecord:
    case kRunEndRecord: {
      TimeNs time_ns = 0;
      if (length != sizeof(time_ns)) return corrupt(kind == InputLogWriter::kTickRecord ? "clock tick" : "run end");
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
    default:
      error = fmt::format("{}: byte {}: unknown record kind {}", path_.string(), record_offset, kind);
      return false;
  }
}

std::vector<std::filesystem::path> list_input_logs(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> paths;
  std::error_code code;
  for (const auto& entry : std::filesystem::directory_iterator(directory, code)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("run-") && name.ends_with(".sigexin")) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());  // run-<19-digit start ns>: by name is by time
  return paths;
}

}  // namespace sigex
