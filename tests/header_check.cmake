# Every header compiles on its own (includes what it uses): one translation unit per header,
# built with the tests. A header that only compiles after another one fails here.
file(GLOB_RECURSE _sigex_headers CONFIGURE_DEPENDS RELATIVE ${SIGEX_ROOT}
  ${SIGEX_ROOT}/engine/*.h ${SIGEX_ROOT}/adapters/*.h ${SIGEX_ROOT}/strategies/*.h ${SIGEX_ROOT}/tools/*.h)
set(_sigex_header_sources)
foreach(_header IN LISTS _sigex_headers)
  string(MAKE_C_IDENTIFIER "${_header}" _name)
  set(_source ${CMAKE_CURRENT_BINARY_DIR}/header_check/${_name}.cpp)
  set(_content "#include \"${_header}\"  // compiles on its own\n")
  if(EXISTS ${_source})
    file(READ ${_source} _existing)
  else()
    set(_existing "")
  endif()
  if(NOT _existing STREQUAL _content)
    file(WRITE ${_source} "${_content}")
  endif()
  list(APPEND _sigex_header_sources ${_source})
endforeach()
add_library(sigex_header_check OBJECT ${_sigex_header_sources})
# One header per translation unit, whatever the build does with the other sources.
set_target_properties(sigex_header_check PROPERTIES UNITY_BUILD OFF)
target_link_libraries(sigex_header_check PRIVATE sigex_app sigex_feed_simulator sigex_tm_simulator
  sigex_exchange_simulator sigex_sim_http)
