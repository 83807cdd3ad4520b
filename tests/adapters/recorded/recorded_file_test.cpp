#include "adapters/recorded/recorded_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include <zlib.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

std::vector<RecordedLine> read_all(const std::string& path, InputProblems& problems,
                                   std::vector<std::string>& frames) {
  RecordedFile file(path);
  EXPECT_TRUE(file.ok()) << file.error();
  std::vector<RecordedLine> lines;
  RecordedLine line;
  while (file.next(line, problems)) {
    lines.push_back(line);
    frames.emplace_back(line.frame);
  }
  return lines;
}

TEST(RecordedFile, ReadsPlainAndGzipIdentically) {
  TemporaryDirectory directory;
  const std::string content = "1 {\"a\":1}\n2 {\"b\":2}\r\n\n3 {\"c\":3}";
  const auto plain = (directory.path() / "plain.txt").string();
  std::ofstream(plain) << content;
  const auto zipped = (directory.path() / "zipped.gz").string();
  gzFile gz = gzopen(zipped.c_str(), "wb");
  gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
  gzclose(gz);

  for (const auto& path : {plain, zipped}) {
    InputProblems problems;
    std::vector<std::string> frames;
    const auto lines = read_all(path, problems, frames);
    ASSERT_EQ(lines.size(), 3u) << path;
    EXPECT_EQ(lines[0].receive_time_ns, 1);
    EXPECT_EQ(frames[1], "{\"b\":2}");
    EXPECT_EQ(lines[2].line_number, 4u);
    EXPECT_EQ(frames[2], "{\"c\":3}");
    EXPECT_EQ(problems.count(), 0u);
  }
}

TEST(RecordedFile, MalformedAndOutOfOrderLinesAreReportedWithFileAndLine) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "bad.txt").string();
  std::ofstream(path) << "100 {}\nnot-a-timestamp {}\n50 {}\n200\n300 {}\n";
  InputProblems problems;
  std::vector<std::string> frames;
  const auto lines = read_all(path, problems, frames);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1].receive_time_ns, 300);
  ASSERT_EQ(problems.count(), 3u);
  EXPECT_EQ(problems.details()[0], path + ":2: expected '<receive_time_ns> <frame>'");
  EXPECT_EQ(problems.details()[1], path + ":3: receive time goes backwards; line skipped");
  EXPECT_EQ(problems.details()[2], path + ":4: expected '<receive_time_ns> <frame>'");
}

TEST(RecordedFile, LinesLongerThanTheBufferAreWhole) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "long.txt").string();
  const std::string payload(3 * 1024 * 1024, 'x');
  std::ofstream(path) << "1 " << payload << "\n2 y\n";
  InputProblems problems;
  std::vector<std::string> frames;
  read_all(path, problems, frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].size(), payload.size());
  EXPECT_EQ(frames[1], "y");
}

TEST(RecordedFile, MissingFileIsAnErrorNamingThePath) {
  RecordedFile file("/nonexistent/sigex/input.gz");
  EXPECT_FALSE(file.ok());
  EXPECT_NE(file.error().find("/nonexistent/sigex/input.gz"), std::string::npos);
}

}  // namespace
}  // namespace sigex
