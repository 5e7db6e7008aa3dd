# SPDX-License-Identifier: MIT
# The sendfile case serves a file from an ext2 disk (mosaic.disk=).
APP_LINK := ext2
