#include "models/model_config.h"
