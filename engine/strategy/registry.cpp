#include "engine/strategy/registry.h"

#include <cctype>

namespace sigex {

bool has_perpetual(const std::vector<Instrument>& instruments) {
  for (const Instrument& instrument : instruments) {
    if (instrument.is_perpetual()) return true;
  }
  return false;
}

void read_strategy_basics(ConfigSection& section, std::string& tag, GradeKind& grade_kind) {
  section.text("tag", tag);
  bool tag_ok = !tag.empty() && tag.size() <= 8;
  for (const char c : tag) tag_ok &= std::isalnum(static_cast<unsigned char>(c)) != 0;
  if (!tag_ok) section.error("tag", "1..8 characters of [a-zA-Z0-9]");
  std::string grade = "trader";
  section.text("grade", grade);
  if (grade == "trader") {
    grade_kind = GradeKind::kTraderGrade;
  } else if (grade == "tm") {
    grade_kind = GradeKind::kTmGrade;
  } else {
    section.error("grade", "expected \"trader\" or \"tm\"");
  }
}

}  // namespace sigex
