# Sanitizers.cmake — SLUICE_SANITIZE=address,undefined (or thread) adds the
# sanitizer flags to every target; used by `make test`.
set(SLUICE_SANITIZE "" CACHE STRING "Comma list of sanitizers: address,undefined or thread")
if(SLUICE_SANITIZE)
  string(REPLACE "," ";" _sl_sans "${SLUICE_SANITIZE}")
  foreach(_s IN LISTS _sl_sans)
    add_compile_options(-fsanitize=${_s})
    add_link_options(-fsanitize=${_s})
  endforeach()
  add_compile_options(-fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fno-sanitize-recover=all)
endif()
