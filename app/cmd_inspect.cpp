// `tailor inspect PATH`: one line per stored tensor, NAME<TAB>DTYPE<TAB>[shape]<TAB>BYTES, for a
// TF checkpoint (prefix or .index), a .tflite model or a .safetensors checkpoint. Without the
// BYTES column it diffs against `tailor model summary --params`.
#include <iostream>
#include <memory>
#include <string>

#include "app/command.h"
#include "engine/io/weights_file.h"

TAILOR_COMMAND("inspect", "List the tensors of a TF checkpoint, .tflite or .safetensors file",
               [](CLI::App& cmd) {
                 auto path = std::make_shared<std::string>();
                 cmd.add_option("PATH", *path,
                                "TF checkpoint prefix or .index, .tflite, or .safetensors")
                     ->required();
                 cmd.callback([path] {
                   for (const auto& t : tailor::io::list_tensors(*path))
                     std::cout << tailor::io::listing_line(t) << '\n';
                 });
               });
