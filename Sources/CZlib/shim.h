// zlib, for SPDY/3.1 header compression in kubectl port-forward (Debian package zlib1g-dev).
#include <zlib.h>
