"""Linking Chinese complaint text to enterprises, regions, laws, categories and departments."""
