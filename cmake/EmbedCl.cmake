# EmbedCl.cmake — turns an OpenCL C source file into a C header that holds
# it as one string constant, so the library carries its kernels' common
# code without reading files at run time.
#   sluice_embed_cl(<input.cl> <output.h> <symbol>)
# The header is rewritten when the .cl file changes (configure dependency).
function(sluice_embed_cl input output symbol)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${input})
  file(READ ${input} text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  string(REPLACE "\n" "\\n\"\n\"" text "${text}")
  file(WRITE ${output}.tmp "/* Generated from ${input} by cmake/EmbedCl.cmake; do not edit. */\n"
       "static const char ${symbol}[] =\n\"${text}\";\n")
  configure_file(${output}.tmp ${output} COPYONLY)
endfunction()
