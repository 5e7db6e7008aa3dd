/* SPDX-License-Identifier: MIT */
/*
 * ext2 on-disk layouts (revision 1), little-endian, as defined by the
 * Linux kernel's fs/ext2/ext2.h and e2fsprogs' ext2_fs.h. Only the fields
 * this implementation reads or writes are named; the rest is padding.
 */
#ifndef FS_EXT2_REG_H
#define FS_EXT2_REG_H

#include <stdint.h>

#define EXT2_SUPER_OFFSET 1024 /* bytes from the start of the device */
#define EXT2_SUPER_SIZE 1024
#define EXT2_MAGIC 0xef53
#define EXT2_DYNAMIC_REV 1
#define EXT2_ROOT_INO 2
#define EXT2_GOOD_OLD_INODE_SIZE 128
#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK 12
#define EXT2_DIND_BLOCK 13
#define EXT2_TIND_BLOCK 14
#define EXT2_N_BLOCKS 15
#define EXT2_NAME_LEN 255
#define EXT2_FAST_SYMLINK_MAX 59 /* bytes of target stored in i_block */

#define EXT2_VALID_FS 0x0001 /* s_state: cleanly unmounted */

/* s_feature_compat: no effect on this implementation. */
#define EXT2_FEATURE_COMPAT_DIR_INDEX 0x0020
/* s_feature_incompat */
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002
#define EXT2_FEATURE_INCOMPAT_SUPP EXT2_FEATURE_INCOMPAT_FILETYPE
/* s_feature_ro_compat */
#define EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER 0x0001
#define EXT2_FEATURE_RO_COMPAT_LARGE_FILE 0x0002
#define EXT2_FEATURE_RO_COMPAT_SUPP                                            \
	(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER |                                 \
	 EXT2_FEATURE_RO_COMPAT_LARGE_FILE)

struct ext2_super {
	uint32_t s_inodes_count;
	uint32_t s_blocks_count;
	uint32_t s_r_blocks_count;
	uint32_t s_free_blocks_count;
	uint32_t s_free_inodes_count;
	uint32_t s_first_data_block;
	uint32_t s_log_block_size; /* block size = 1024 << this */
	uint32_t s_log_frag_size;
	uint32_t s_blocks_per_group;
	uint32_t s_frags_per_group;
	uint32_t s_inodes_per_group;
	uint32_t s_mtime;
	uint32_t s_wtime;
	uint16_t s_mnt_count;
	uint16_t s_max_mnt_count;
	uint16_t s_magic;
	uint16_t s_state;
	uint16_t s_errors;
	uint16_t s_minor_rev_level;
	uint32_t s_lastcheck;
	uint32_t s_checkinterval;
	uint32_t s_creator_os;
	uint32_t s_rev_level;
	uint16_t s_def_resuid;
	uint16_t s_def_resgid;
	/* EXT2_DYNAMIC_REV */
	uint32_t s_first_ino;
	uint16_t s_inode_size;
	uint16_t s_block_group_nr;
	uint32_t s_feature_compat;
	uint32_t s_feature_incompat;
	uint32_t s_feature_ro_compat;
	uint8_t s_uuid[16];
	char s_volume_name[16];
	char s_last_mounted[64];
	uint32_t s_algorithm_usage_bitmap;
	uint8_t s_prealloc_blocks;
	uint8_t s_prealloc_dir_blocks;
	uint16_t s_reserved_gdt_blocks;
	uint8_t s_journal_uuid[16];
	uint32_t s_journal_inum;
	uint32_t s_journal_dev;
	uint32_t s_last_orphan; /* first inode of the orphan list */
	uint8_t s_pad[EXT2_SUPER_SIZE - 236];
};
_Static_assert(sizeof(struct ext2_super) == EXT2_SUPER_SIZE, "superblock");
_Static_assert(__builtin_offsetof(struct ext2_super, s_uuid) == 104, "uuid");
_Static_assert(__builtin_offsetof(struct ext2_super, s_last_orphan) == 232,
	       "last orphan");

struct ext2_group_desc {
	uint32_t bg_block_bitmap;
	uint32_t bg_inode_bitmap;
	uint32_t bg_inode_table;
	uint16_t bg_free_blocks_count;
	uint16_t bg_free_inodes_count;
	uint16_t bg_used_dirs_count;
	uint16_t bg_flags;
	uint8_t bg_reserved[12];
};
_Static_assert(sizeof(struct ext2_group_desc) == 32, "group descriptor");

/* The first 128 bytes of an inode (the "good old" size). */
struct ext2_inode {
	uint16_t i_mode;
	uint16_t i_uid;
	uint32_t i_size; /* low 32 bits */
	uint32_t i_atime;
	uint32_t i_ctime;
	uint32_t i_mtime;
	uint32_t i_dtime; /* deletion time; next orphan while on the list */
	uint16_t i_gid;
	uint16_t i_links_count;
	uint32_t i_blocks; /* 512-byte units, indirect and EA blocks too */
	uint32_t i_flags;
	uint32_t i_osd1;
	uint32_t i_block[EXT2_N_BLOCKS];
	uint32_t i_generation;
	uint32_t i_file_acl; /* extended-attribute block */
	uint32_t i_size_high; /* regular files, with LARGE_FILE */
	uint32_t i_faddr;
	uint16_t i_blocks_hi;
	uint16_t i_file_acl_high;
	uint16_t i_uid_high;
	uint16_t i_gid_high;
	uint32_t i_osd2_reserved;
};
_Static_assert(sizeof(struct ext2_inode) == EXT2_GOOD_OLD_INODE_SIZE, "inode");
_Static_assert(__builtin_offsetof(struct ext2_inode, i_block) == 40, "i_block");

/* Inode fields past 128 bytes (when s_inode_size allows). */
#define EXT2_EXTRA_ISIZE_OFF 128 /* uint16_t i_extra_isize */
#define EXT2_EXTRA_ISIZE 32 /* what mke2fs uses by default */

#define EXT2_INDEX_FL 0x00001000 /* hashed-index directory */

/* i_mode */
#define EXT2_S_IFMT 0170000
#define EXT2_S_IFSOCK 0140000
#define EXT2_S_IFLNK 0120000
#define EXT2_S_IFREG 0100000
#define EXT2_S_IFBLK 0060000
#define EXT2_S_IFDIR 0040000
#define EXT2_S_IFCHR 0020000
#define EXT2_S_IFIFO 0010000

/* A directory entry header; the name follows, padded to 4 bytes. */
struct ext2_dir_entry {
	uint32_t inode; /* 0: unused */
	uint16_t rec_len;
	uint8_t name_len;
	uint8_t file_type; /* with INCOMPAT_FILETYPE, else name_len high */
};
_Static_assert(sizeof(struct ext2_dir_entry) == 8, "dir entry");

/* file_type */
enum {
	EXT2_FT_UNKNOWN,
	EXT2_FT_REG_FILE,
	EXT2_FT_DIR,
	EXT2_FT_CHRDEV,
	EXT2_FT_BLKDEV,
	EXT2_FT_FIFO,
	EXT2_FT_SOCK,
	EXT2_FT_SYMLINK,
};

/* Extended-attribute block header (only the reference count is used). */
#define EXT2_XATTR_MAGIC 0xea020000
struct ext2_xattr_header {
	uint32_t h_magic;
	uint32_t h_refcount;
};

#endif /* FS_EXT2_REG_H */
