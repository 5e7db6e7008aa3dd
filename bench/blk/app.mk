# bench/blk: the Mosaic image; linux_blkbench.c is the Linux guest's
# program, built by bench/blk.py with the host gcc.
APP_SRCS := main.c blkbench.c
