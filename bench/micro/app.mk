# bench/micro: the Mosaic image (make APP=bench/micro); micro.c with
# linux.c is the Linux guest's program, built by bench/micro.py with the
# host gcc.
APP_SRCS := micro.c mosaic.c
