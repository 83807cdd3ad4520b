#pragma once

// The report pages are HTML files in engine/report/ (report_page.html, sweep_page.html),
// embedded into the binary at build time with Chart.js (see engine/report/CMakeLists.txt).
// A page marks each value it needs as {{name}}; fill_page replaces every mark with its value
// and stops the program on a mark it was given no value for (a page and its writer disagree:
// a build-time mistake, caught by the report tests).

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sigex {

using PageValues = std::initializer_list<std::pair<std::string_view, std::string_view>>;

std::string fill_page(std::string_view page, PageValues values);

// The embedded assets.
std::string_view report_page();  // engine/report/report_page.html
std::string_view sweep_page();   // engine/report/sweep_page.html
std::string_view chartjs();      // Debian's libjs-chart.js chart.min.js

}  // namespace sigex
