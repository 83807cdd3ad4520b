#include "adapters/binance_archive/zip_csv.h"

#include <memory>

#include <fmt/format.h>
#include <zip.h>

namespace sigex {
namespace {

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct FileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};
using ArchivePtr = std::unique_ptr<zip_t, ArchiveCloser>;
using FilePtr = std::unique_ptr<zip_file_t, FileCloser>;

std::string zip_error_text(zip_error_t* error) {
  std::string text = zip_error_strerror(error);
  zip_error_fini(error);
  return text;
}

}  // namespace

bool read_single_file_zip(std::string_view zip, std::string& name, std::string& content,
                          std::string& error) {
  zip_error_t failure;
  zip_error_init(&failure);
  zip_source_t* source = zip_source_buffer_create(zip.data(), zip.size(), 0, &failure);
  if (source == nullptr) {
    error = "not a zip: " + zip_error_text(&failure);
    return false;
  }
  ArchivePtr archive(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &failure));
  if (!archive) {
    zip_source_free(source);
    error = "not a zip: " + zip_error_text(&failure);
    return false;
  }
  zip_error_fini(&failure);
  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  if (entries != 1) {
    error = fmt::format("the zip holds {} files, not one CSV", entries);
    return false;
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive.get(), 0, 0, &stat) != 0 || (stat.valid & ZIP_STAT_SIZE) == 0) {
    error = "the zip's member cannot be read: " + std::string(zip_strerror(archive.get()));
    return false;
  }
  name = stat.name != nullptr ? stat.name : "";
  FilePtr file(zip_fopen_index(archive.get(), 0, 0));
  if (!file) {
    error = "the zip's member cannot be opened: " + std::string(zip_strerror(archive.get()));
    return false;
  }
  content.resize(stat.size);
  zip_uint64_t done = 0;
  while (done < stat.size) {
    const zip_int64_t got = zip_fread(file.get(), content.data() + done, stat.size - done);
    if (got <= 0) {
      error =
          fmt::format("the zip's member {} is damaged: {}", name, zip_file_strerror(file.get()));
      return false;
    }
    done += static_cast<zip_uint64_t>(got);
  }
  // Reading to the end makes libzip check the member's CRC.
  char extra = 0;
  if (zip_fread(file.get(), &extra, 1) < 0) {
    error = fmt::format("the zip's member {} is damaged: {}", name, zip_file_strerror(file.get()));
    return false;
  }
  return true;
}

bool write_single_file_zip(std::string_view name, std::string_view content, std::string& zip,
                           std::string& error) {
  zip_error_t failure;
  zip_error_init(&failure);
  zip_source_t* target = zip_source_buffer_create(nullptr, 0, 0, &failure);
  if (target == nullptr) {
    error = zip_error_text(&failure);
    return false;
  }
  zip_t* archive = zip_open_from_source(target, ZIP_TRUNCATE, &failure);
  if (archive == nullptr) {
    zip_source_free(target);
    error = zip_error_text(&failure);
    return false;
  }
  zip_error_fini(&failure);
  zip_source_keep(target);  // read back after zip_close
  zip_source_t* member = zip_source_buffer(archive, content.data(), content.size(), 0);
  if (member == nullptr ||
      zip_file_add(archive, std::string(name).c_str(), member, ZIP_FL_ENC_UTF_8) < 0) {
    if (member != nullptr) zip_source_free(member);
    error = zip_strerror(archive);
    zip_discard(archive);
    zip_source_free(target);
    return false;
  }
  if (zip_close(archive) != 0) {
    error = zip_strerror(archive);
    zip_discard(archive);
    zip_source_free(target);
    return false;
  }
  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_source_stat(target, &stat) != 0 || zip_source_open(target) != 0) {
    error = "cannot read the written zip back";
    zip_source_free(target);
    return false;
  }
  zip.resize(stat.size);
  const zip_int64_t got = zip_source_read(target, zip.data(), stat.size);
  zip_source_close(target);
  zip_source_free(target);
  if (got < 0 || static_cast<zip_uint64_t>(got) != stat.size) {
    error = "cannot read the written zip back";
    return false;
  }
  return true;
}

}  // namespace sigex
