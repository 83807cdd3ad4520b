# The engine's layers, lowest first. A file in engine/<folder>/ may include engine headers of
# its own folder and of folders in lower layers only (folders in one layer do not include one
# another); adapters and strategies are above the engine and are never included by it (the
# build checks the link side: an engine target never links an adapter or a strategy).
#   cmake -DSIGEX_ROOT=<repo> -P tools/check_layering.cmake      (a test of the suite)
set(SIGEX_LAYERS
  "core"
  "logging metrics status health config events queue"
  "order"
  "journal"
  "book"
  "portfolio"
  "risk signals"
  "ports"
  "oms sim"
  "runtime"
  "strategy console report"
  "exe")

if(NOT SIGEX_ROOT)
  get_filename_component(SIGEX_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
endif()

set(level 0)
foreach(layer IN LISTS SIGEX_LAYERS)
  string(REPLACE " " ";" folders "${layer}")
  foreach(folder IN LISTS folders)
    set(level_of_${folder} ${level})
  endforeach()
  math(EXPR level "${level} + 1")
endforeach()

set(problems "")
file(GLOB engine_folders LIST_DIRECTORIES true RELATIVE ${SIGEX_ROOT}/engine ${SIGEX_ROOT}/engine/*)
foreach(folder IN LISTS engine_folders)
  if(NOT IS_DIRECTORY ${SIGEX_ROOT}/engine/${folder})
    continue()
  endif()
  if(NOT DEFINED level_of_${folder})
    string(APPEND problems "engine/${folder}/ is in no layer: add it to SIGEX_LAYERS in tools/check_layering.cmake\n")
    continue()
  endif()
  file(GLOB_RECURSE sources ${SIGEX_ROOT}/engine/${folder}/*.h ${SIGEX_ROOT}/engine/${folder}/*.cpp)
  foreach(source IN LISTS sources)
    file(STRINGS ${source} includes REGEX "^#include \"(engine|adapters|strategies|tools)/")
    file(RELATIVE_PATH shown ${SIGEX_ROOT} ${source})
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
      if(NOT included MATCHES "^engine/")
        if(NOT folder STREQUAL "exe")
          string(APPEND problems "${shown}: includes ${included} (only engine/exe may include adapters and strategies)\n")
        endif()
        continue()
      endif()
      string(REGEX REPLACE "^engine/([^/]+)/.*" "\\1" target_folder "${included}")
      if(target_folder STREQUAL folder)
        continue()
      endif()
      if(NOT DEFINED level_of_${target_folder})
        string(APPEND problems "${shown}: includes ${included}, a folder in no layer\n")
      elseif(NOT level_of_${target_folder} LESS level_of_${folder})
        string(APPEND problems "${shown}: includes ${included}: engine/${target_folder} is not below engine/${folder}\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(problems)
  message(FATAL_ERROR "layering broken:\n${problems}")
endif()
message(STATUS "layering: every engine include goes to a lower layer")
