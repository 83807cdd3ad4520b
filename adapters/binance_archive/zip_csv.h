#pragma once

// The archives' zip files: each holds one CSV named like the zip. Read from and written to
// memory with libzip (writing is for the loopback archive server and the tests).

#include <string>
#include <string_view>

namespace sigex {

// The single file inside `zip`: its name and its bytes. False with `error` when the bytes are
// not a zip, hold no file or several, or the member fails its CRC.
bool read_single_file_zip(std::string_view zip, std::string& name, std::string& content,
                          std::string& error);

// A zip holding `content` as `name` (deflated).
bool write_single_file_zip(std::string_view name, std::string_view content, std::string& zip,
                           std::string& error);

}  // namespace sigex
