package io.daxfs.fs;

/** A relative path of one name, for tests that open a file in a volume's root directly. */
record OneName(String name) implements PathNames {
  @Override
  public boolean isAbsolute() {
    return false;
  }

  @Override
  public int nameCount() {
    return 1;
  }

  @Override
  public String name(int index) {
    return name;
  }

  @Override
  public String toString() {
    return name;
  }
}
