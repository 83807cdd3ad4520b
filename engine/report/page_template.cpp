#include "engine/report/page_template.h"

#include <algorithm>

#include "engine/core/check.h"

// Defined by the assembly that engine/report/CMakeLists.txt generates for each asset.
#define SIGEX_ASSET(name)                             \
  extern "C" const char sigex_asset_##name##_start[]; \
  extern "C" const char sigex_asset_##name##_end[];
SIGEX_ASSET(report_page)
SIGEX_ASSET(sweep_page)
SIGEX_ASSET(chartjs)
#undef SIGEX_ASSET

namespace sigex {

std::string fill_page(std::string_view page, PageValues values) {
  std::size_t size = page.size();
  for (const auto& [name, value] : values) size += value.size();
  std::string out;
  out.reserve(size);
  std::size_t at = 0;
  while (true) {
    const std::size_t open = page.find("{{", at);
    if (open == std::string_view::npos) break;
    const std::size_t close = page.find("}}", open + 2);
    SIGEX_CHECK(close != std::string_view::npos, "a page has an unclosed {{ mark");
    const std::string_view name = page.substr(open + 2, close - open - 2);
    const auto found =
        std::find_if(values.begin(), values.end(), [&](const auto& v) { return v.first == name; });
    if (found == values.end()) {
      std::fprintf(stderr, "sigex: page mark {{%.*s}} has no value\n",
                   static_cast<int>(name.size()), name.data());
    }
    SIGEX_CHECK(found != values.end(), "every mark of a page has a value");
    out.append(page.substr(at, open - at));
    out.append(found->second);
    at = close + 2;
  }
  out.append(page.substr(at));
  return out;
}

#define SIGEX_ASSET_VIEW(name)    \
  std::string_view(               \
      sigex_asset_##name##_start, \
      static_cast<std::size_t>(sigex_asset_##name##_end - sigex_asset_##name##_start))

std::string_view report_page() { return SIGEX_ASSET_VIEW(report_page); }
std::string_view sweep_page() { return SIGEX_ASSET_VIEW(sweep_page); }
std::string_view chartjs() { return SIGEX_ASSET_VIEW(chartjs); }

}  // namespace sigex
