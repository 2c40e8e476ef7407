#include "gaitlens/pose/marker_detector.h"
