export const PACKAGE_NAME = '@selfsup/text';
