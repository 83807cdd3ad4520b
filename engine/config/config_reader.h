#pragma once

// Typed reading of a TOML file with every problem collected: wrong types, out-of-range
// values and unknown keys are all reported with file, line and column, so one run of
// `sigex check-config` lists everything that needs fixing.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "engine/core/secret.h"

namespace sigex {

class ConfigErrors {
 public:
  void add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

// One TOML table. Reading a key marks it known; finish() reports every key never read.
class ConfigSection {
 public:
  ConfigSection(const toml::table* table, std::string name, std::string file, ConfigErrors& errors);

  bool present() const { return table_ != nullptr; }
  bool has(const std::string& key) const;

  void integer(const std::string& key, std::int64_t& out, std::int64_t min, std::int64_t max);
  void integer(const std::string& key, int& out, int min, int max);
  // A duration written in whole seconds or milliseconds (the key says which: "_s", "_ms").
  void seconds(const std::string& key, std::int64_t& out_ns, std::int64_t min_s,
               std::int64_t max_s);
  void milliseconds(const std::string& key, std::int64_t& out_ns, std::int64_t min_ms,
                    std::int64_t max_ms);
  void boolean(const std::string& key, bool& out);
  void text(const std::string& key, std::string& out);
  // A decimal written as a string ("0.01") or an integer; floats are refused so that no value
  // passes through binary floating point. Stored as value * 10^scale.
  void decimal(const std::string& key, int scale, std::int64_t& out, bool allow_negative = false);
  void text_list(const std::string& key, std::vector<std::string>& out);
  // A file path; a relative one is resolved against the configuration file's directory.
  void path(const std::string& key, std::string& out);
  // Where a secret is read from: <prefix>_credential, <prefix>_file (a path) and <prefix>_env.
  void secret_source(const std::string& prefix, SecretSource& source);

  ConfigSection child(const std::string& key);
  std::vector<ConfigSection> tables(const std::string& key);

  // Reports unknown keys. Call after reading every key of the section.
  void finish();

  void error(const std::string& key, const std::string& message);
  const std::string& name() const { return name_; }

 private:
  const toml::node* get(const std::string& key);
  std::string where(const toml::node* node) const;

  const toml::table* table_;
  std::string name_;
  std::string file_;
  ConfigErrors* errors_;
  std::vector<std::string> known_;
};

// The whole file; false when it cannot be read.
bool read_text_file(const std::string& path, std::string& text);
// Parses a file's content; on syntax errors returns nullptr and adds the error with its
// location in `path`.
std::unique_ptr<toml::table> parse_toml_text(const std::string& text, const std::string& path,
                                             ConfigErrors& errors);
// Reads and parses a file (an unreadable file is an error naming it). `text`, when given,
// receives the content exactly as read.
std::unique_ptr<toml::table> parse_toml_file(const std::string& path, ConfigErrors& errors,
                                             std::string* text = nullptr);

// Applies one "dotted.key=value" override (`sigex backtest --set`, `sigex sweep`) to a parsed
// file before it is read. The value is read as TOML (a number, a boolean, a quoted string or
// an array); anything else is taken as a plain string, so --set strategy.sf.tag=abc works.
// Missing tables are created; a key inside an array of tables cannot be set. False with a
// message in `errors` otherwise.
bool apply_override(toml::table& root, const std::string& assignment, ConfigErrors& errors);

}  // namespace sigex
