package org.descent; public class Main { public static void main(String[] a){} }
