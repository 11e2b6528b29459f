# -DTAILOR_FUZZ=ON (clang only): every library is built with libFuzzer coverage plus ASan and
# UBSan, and fuzz/ adds one libFuzzer executable per parser. scripts/fuzz.sh drives it.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "TAILOR_FUZZ needs clang (e.g. CXX=clang++ CC=clang); got ${CMAKE_CXX_COMPILER_ID}")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                    -fno-sanitize-recover=undefined -g)
add_link_options(-fsanitize=address,undefined)
