#include "engine/config/config_reader.h"

#include <filesystem>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "engine/core/decimal.h"
#include "engine/core/errno_text.h"
#include "engine/core/time.h"

namespace sigex {

bool read_text_file(const std::string& path, std::string& text) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return false;
  text = content.str();
  return true;
}

std::unique_ptr<toml::table> parse_toml_text(const std::string& text, const std::string& path,
                                             ConfigErrors& errors) {
  try {
    return std::make_unique<toml::table>(toml::parse(text, path));
  } catch (const toml::parse_error& error) {
    std::ostringstream message;
    const auto& begin = error.source().begin;
    message << path << ":" << begin.line << ":" << begin.column << ": " << error.description();
    errors.add(message.str());
    return nullptr;
  }
}

std::unique_ptr<toml::table> parse_toml_file(const std::string& path, ConfigErrors& errors,
                                             std::string* text) {
  std::string content;
  errno = 0;
  if (!read_text_file(path, content)) {
    errors.add(path + ": cannot read the file" +
               (errno != 0 ? std::string(": ") + errno_text(errno) : std::string()));
    return nullptr;
  }
  auto table = parse_toml_text(content, path, errors);
  if (text != nullptr) *text = std::move(content);
  return table;
}

bool apply_override(toml::table& root, const std::string& assignment, ConfigErrors& errors) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    errors.add("--set " + assignment +
               ": expected KEY=VALUE, such as risk.max_order_notional=\"500\"");
    return false;
  }
  const std::string key = assignment.substr(0, equals);
  const std::string value = assignment.substr(equals + 1);
  // Parsed with the argument as its source, so that a problem with the value names the
  // --set argument rather than the file.
  const std::string source = "--set " + assignment;
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + value, source);
  } catch (const toml::parse_error&) {
    std::string quoted;  // a bare word: a string
    for (const char c : value) {
      if (c == '\\' || c == '"') quoted += '\\';
      quoted += c;
    }
    try {
      parsed = toml::parse("value = \"" + quoted + "\"", source);
    } catch (const toml::parse_error&) {
      parsed.insert_or_assign("value", value);
    }
  }
  toml::table* table = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part =
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) {
      errors.add("--set " + assignment + ": empty part in the key");
      return false;
    }
    if (dot == std::string::npos) {
      table->insert_or_assign(part, std::move(*parsed.get("value")));  // moved: keeps its source
      return true;
    }
    toml::node* next = table->get(part);
    if (next == nullptr) {
      table->insert_or_assign(part, toml::table{});
      next = table->get(part);
    }
    if (!next->is_table()) {
      errors.add("--set " + assignment + ": '" + key.substr(0, dot) + "' is not a table" +
                 (next->is_array() ? " (keys inside [[arrays]] cannot be set)" : ""));
      return false;
    }
    table = next->as_table();
    start = dot + 1;
  }
}

ConfigSection::ConfigSection(const toml::table* table, std::string name, std::string file,
                             ConfigErrors& errors)
    : table_(table), name_(std::move(name)), file_(std::move(file)), errors_(&errors) {}

bool ConfigSection::has(const std::string& key) const {
  return table_ != nullptr && table_->contains(key);
}

const toml::node* ConfigSection::get(const std::string& key) {
  known_.push_back(key);
  if (table_ == nullptr) return nullptr;
  return table_->get(key);
}

std::string ConfigSection::where(const toml::node* node) const {
  const toml::node* located = node != nullptr ? node : table_;
  // A value given on the command line (--set) is named by its argument, not by the file.
  if (located != nullptr && located->source().path &&
      located->source().path->starts_with("--set ")) {
    return *located->source().path;
  }
  std::ostringstream text;
  text << file_;
  if (located != nullptr && located->source().begin.line > 0) {
    text << ":" << located->source().begin.line << ":" << located->source().begin.column;
  }
  return text.str();
}

void ConfigSection::error(const std::string& key, const std::string& message) {
  const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
  errors_->add(where(node) + ": [" + name_ + "] " + key + ": " + message);
}

void ConfigSection::integer(const std::string& key, std::int64_t& out, std::int64_t min,
                            std::int64_t max) {
  const toml::node* node = get(key);
  if (node == nullptr) return;
  const auto value = node->value<std::int64_t>();
  if (!node->is_integer() || !value) return error(key, "expected an integer");
  if (*value < min || *value > max) {
    return error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                          ", got " + std::to_string(*value));
  }
  out = *value;
}

void ConfigSection::integer(const std::string& key, int& out, int min, int max) {
  std::int64_t wide = out;
  integer(key, wide, min, max);
  out = static_cast<int>(wide);
}

void ConfigSection::seconds(const std::string& key, std::int64_t& out_ns, std::int64_t min_s,
                            std::int64_t max_s) {
  std::int64_t seconds = out_ns / kNsPerSecond;
  integer(key, seconds, min_s, max_s);
  out_ns = seconds * kNsPerSecond;
}

void ConfigSection::milliseconds(const std::string& key, std::int64_t& out_ns, std::int64_t min_ms,
                                 std::int64_t max_ms) {
  std::int64_t ms = out_ns / kNsPerMs;
  integer(key, ms, min_ms, max_ms);
  out_ns = ms * kNsPerMs;
}

void ConfigSection::boolean(const std::string& key, bool& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return;
  if (!node->is_boolean()) return error(key, "expected true or false");
  out = *node->value<bool>();
}

void ConfigSection::text(const std::string& key, std::string& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return;
  if (!node->is_string()) return error(key, "expected a string");
  out = *node->value<std::string>();
}

void ConfigSection::decimal(const std::string& key, int scale, std::int64_t& out,
                            bool allow_negative) {
  const toml::node* node = get(key);
  if (node == nullptr) return;
  std::string text;
  if (node->is_string()) {
    text = *node->value<std::string>();
  } else if (node->is_integer()) {
    text = std::to_string(*node->value<std::int64_t>());
  } else if (node->is_floating_point()) {
    // The float's shortest text is what the user wrote in nearly every case; say what to write.
    return error(
        key,
        fmt::format("a float is not accepted for a decimal (it would pass through binary floating "
                    "point); write it as a string: {} = \"{}\"",
                    key, *node->value<double>()));
  } else {
    return error(key, "expected a decimal string such as \"0.01\" or an integer");
  }
  const auto parsed = parse_decimal(text, scale);
  if (!parsed) {
    return error(key, "invalid decimal \"" + text + "\" (" + std::string(parsed.error().what) +
                          ", at most " + std::to_string(scale) + " decimals)");
  }
  if (!allow_negative && *parsed < 0) return error(key, "must not be negative");
  out = *parsed;
}

void ConfigSection::path(const std::string& key, std::string& out) {
  text(key, out);
  if (out.empty() || std::filesystem::path(out).is_absolute()) return;
  out = (std::filesystem::path(file_).parent_path() / out).lexically_normal().string();
}

void ConfigSection::secret_source(const std::string& prefix, SecretSource& source) {
  text(prefix + "_credential", source.credential);
  path(prefix + "_file", source.file);
  text(prefix + "_env", source.env);
}

void ConfigSection::text_list(const std::string& key, std::vector<std::string>& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return;
  const toml::array* array = node->as_array();
  if (array == nullptr) return error(key, "expected an array of strings");
  out.clear();
  for (const auto& element : *array) {
    if (!element.is_string()) return error(key, "expected an array of strings");
    out.push_back(*element.value<std::string>());
  }
}

ConfigSection ConfigSection::child(const std::string& key) {
  const toml::node* node = get(key);
  if (node != nullptr && !node->is_table()) {
    error(key, "expected a table");
    return ConfigSection(nullptr, name_.empty() ? key : name_ + "." + key, file_, *errors_);
  }
  return ConfigSection(node != nullptr ? node->as_table() : nullptr,
                       name_.empty() ? key : name_ + "." + key, file_, *errors_);
}

std::vector<ConfigSection> ConfigSection::tables(const std::string& key) {
  std::vector<ConfigSection> sections;
  const toml::node* node = get(key);
  if (node == nullptr) return sections;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    error(key, "expected an array of tables ([[" + key + "]])");
    return sections;
  }
  std::size_t index = 0;
  for (const auto& element : *array) {
    const std::string name =
        (name_.empty() ? key : name_ + "." + key) + "[" + std::to_string(index++) + "]";
    if (!element.is_table()) {
      errors_->add(where(&element) + ": " + name + ": expected a table");
      continue;
    }
    sections.emplace_back(element.as_table(), name, file_, *errors_);
  }
  return sections;
}

void ConfigSection::finish() {
  if (table_ == nullptr) return;
  for (const auto& [key, node] : *table_) {
    const std::string name(key.str());
    if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
      errors_->add(where(&node) + ": unknown key '" + name + "'" +
                   (name_.empty() ? std::string(" at top level") : " in [" + name_ + "]"));
    }
  }
}

}  // namespace sigex
