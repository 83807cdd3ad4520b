#include "engine/report/page_template.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(FillPage, ReplacesEveryMarkIncludingRepeatsAndLeavesSingleBracesAlone) {
  EXPECT_EQ(fill_page("<b>{{a}}</b> { x: {{b}} } {{a}}", {{"a", "1"}, {"b", "two"}}),
            "<b>1</b> { x: two } 1");
}

TEST(FillPage, AValueIsNeverReadAsAPage) {
  EXPECT_EQ(fill_page("[{{a}}]", {{"a", "{{b}}"}}), "[{{b}}]");
}

TEST(FillPageDeathTest, AMarkWithoutAValueStopsTheProgram) {
  EXPECT_DEATH(fill_page("{{missing}}", {{"other", "x"}}), "missing");
}

TEST(EmbeddedAssets, ThePagesAndChartJsAreInTheBinary) {
  EXPECT_EQ(report_page().substr(0, 15), "<!DOCTYPE html>");
  EXPECT_NE(report_page().find("{{chartjs}}"), std::string_view::npos);
  EXPECT_EQ(sweep_page().substr(0, 15), "<!DOCTYPE html>");
  EXPECT_GT(chartjs().size(), 100'000u);
  EXPECT_NE(chartjs().find("Chart"), std::string_view::npos);
}

}  // namespace
}  // namespace sigex
